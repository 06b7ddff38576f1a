import { describe, expect, test } from "bun:test"
import { ev } from "../../testkit/events"
import { setup } from "../helpers/background-session"

describe("background agents: hung notices, the person's choices", () => {
  test("a notice that hangs at every attempt does not hold the parent's next notices", async () => {
    const arrived: number[] = []
    const h = await setup({ background_concurrency: 2 }, 0, (args) => {
      if (String(args.body.parts[0].text).includes("(first)")) return new Promise(() => {})
      arrived.push(h.clock.now())
      return { data: true }
    })
    await h.launch("first")
    await h.launch("second")
    await h.complete("ses_child1")
    const finishedAt = h.clock.now()
    await h.complete("ses_child2")
    await h.clock.advance(6_000)
    expect(arrived).toHaveLength(1)
    expect(arrived[0]! - finishedAt).toBeLessThanOrEqual(5_100) // one attempt's limit, not three call timeouts
  })

  test("background notices carry the person's agent, model, variant and tool switches", async () => {
    const h = await setup()
    const high = {
      agent: "build",
      model: { providerID: "scripted", modelID: "scripted-model", variant: "max" },
      tools: { question: false },
    }
    await h.send(ev.user("ses_parent", "msg_001", high))
    await h.send(ev.textPart("ses_parent", "msg_001", "prt_001", "Count the files in the background."))
    await h.launch("count")
    await h.complete("ses_child1")
    await h.clock.advance(100)
    expect(h.notices()[0]).toMatchObject({
      ...high,
      model: { providerID: "scripted", modelID: "scripted-model" },
      variant: "max",
    })
  })
})
