import { describe, expect, test } from "bun:test"
import { setup } from "../helpers/background-session"

const refuse = () => Promise.reject(new Error("connection reset"))

describe("background agents: a cancel that fails", () => {
  test("when session.abort fails, background_cancel says so; the task keeps its slot and its result", async () => {
    const h = await setup({}, 0, undefined, { "session.abort": refuse })
    const first = await h.launch("slow")
    const next = await h.launch("next")
    const out = await h.run("background_cancel", { task_id: first })
    expect(out).toContain(`Could not cancel ${first} (slow): session.abort failed: connection reset`)
    expect(out).toContain("still running and keeps its slot")
    expect(out).not.toContain("Cancelled")
    await h.clock.advance(5)
    expect(h.created()).toBe(1) // the queued task does not take the slot: no concurrency overrun
    expect(await h.run("background_output", { task_id: next })).toContain("queued")
    await h.complete("ses_child1", "what the slow task found")
    const done = await h.run("background_output", { task_id: first })
    expect(done).toContain(`Task ${first} (slow): completed`)
    expect(done).toContain("what the slow task found")
    expect(h.created()).toBe(2)
    // the agent was told the cancel failed, so it is told how the task ended
    expect(h.notices().some((n) => n.parts[0].text.includes(`${first} (slow) completed`))).toBe(true)
  })

  test("an abort answered with an error is a failure too; the sweep retries it and the slot goes once it worked", async () => {
    let aborts = 0
    const h = await setup({}, 0, undefined, {
      "session.abort": () => (++aborts === 1 ? { error: { name: "NotFound", data: { message: "busy" } } } : { data: true }),
    })
    const first = await h.launch("slow")
    await h.launch("next")
    expect(await h.run("background_cancel", { task_id: first })).toContain("Could not cancel")
    await h.clock.advance(10_000) // the sweep runs while tasks run
    expect(aborts).toBe(2)
    expect(await h.run("background_output", { task_id: first })).toContain("cancelled")
    expect(h.created()).toBe(2)
  })

  test("a child that cannot be aborted and goes quiet gives its slot back after the retries and background_stale_ms", async () => {
    const h = await setup({ background_stale_ms: 60_000 }, 0, undefined, { "session.abort": refuse })
    const first = await h.launch("stuck")
    await h.launch("next")
    await h.run("background_cancel", { task_id: first })
    await h.clock.advance(30_000)
    expect(h.created()).toBe(1)
    await h.clock.advance(40_000)
    const out = await h.run("background_output", { task_id: first })
    expect(out).toContain("cancelled")
    expect(out).toContain("the abort failed (session.abort failed: connection reset) and the child has been quiet for")
    expect(h.created()).toBe(2)
  })
})
