import { describe, expect, test } from "bun:test"
import { createBackgroundAgentsHook } from "../../src/hooks/background-agents"
import { createPreemptiveCompactionHook } from "../../src/hooks/preemptive-compaction"
import { pluginHarness } from "../../testkit/plugin-harness"

/** The background and compaction hooks together, a parent that launches `n` tasks (one runs, the rest queue). */
async function parentWith(n: number) {
  let child = 0
  const h = await pluginHarness(
    { background_concurrency: 1 },
    {
      factories: [
        ["preemptive-compaction", createPreemptiveCompactionHook],
        ["background-agents", createBackgroundAgentsHook],
      ],
      responders: { "session.create": () => ({ data: { id: `ses_child${++child}` } }) },
    },
  )
  await h.chatParams("ses_parent", { context: 20_000, output: 2_000 })
  const ctx = { sessionID: "ses_parent", abort: new AbortController().signal } as never
  const ids: string[] = []
  for (let i = 0; i < n; i++) {
    const out = String(await h.hooks.tool!.background_task!.execute({ description: `task ${i}`, prompt: "p" } as never, ctx))
    ids.push(out.match(/task (bg_\w+)/)![1]!)
  }
  await h.clock.advance(5)
  const output = { context: [] as string[] }
  await h.hooks["experimental.session.compacting"]!({ sessionID: "ses_parent" }, output)
  return { ids, text: output.context.join("\n") }
}

describe("compaction context: every open background task", () => {
  test("with more than 10 open tasks the compaction context names them all", async () => {
    const { ids, text } = await parentWith(12)
    for (const id of ids) expect(text).toContain(`- ${id}: `)
    expect(text).toContain("12 background tasks")
  })

  test("past what it can name, it says how many more and how to list them", async () => {
    const { ids, text } = await parentWith(60)
    for (const id of ids.slice(0, 50)) expect(text).toContain(`- ${id}: `)
    expect(text).toContain("10 more")
    expect(text).toContain("longrun_status")
  })
})
