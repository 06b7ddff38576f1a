import { expect, test } from "bun:test"
import { heapStats } from "bun:jsc"
import { createBackgroundAgentsHook } from "../../src/hooks/background-agents"
import { createContextPruningHook } from "../../src/hooks/context-pruning"
import { ev } from "../../testkit/events"
import { pluginHarness } from "../../testkit/plugin-harness"

const MB = 1024 * 1024

/** Bytes the JS heap holds in strings and buffers after a full collection. */
function retainedExtra(): number {
  Bun.gc(true)
  return heapStats().extraMemorySize
}

/**
 * What the plugin keeps from an event must not pin the event's strings: under Bun a
 * slice of a string can keep the whole original alive. Measured as retained heap,
 * not as the length of what is kept.
 */
test("long todos, agent and model names from events do not keep their 2 MB originals alive", async () => {
  const h = await pluginHarness({}, { factories: [["background-agents", createBackgroundAgentsHook]] })
  const before = retainedExtra()
  for (let i = 0; i < 20; i++) {
    // a fresh 2 MB string per session, built so that no literal shares it
    const big = `${i}:`.padEnd(2 * MB, String.fromCharCode(97 + (i % 26)))
    await h.send(
      ev.todos(`ses_${i}`, [
        { content: big, status: "pending" },
        { content: "ok", status: big.slice(0, 30) },
      ]),
    )
    await h.send(
      ev.user(`ses_${i}`, `msg_${i}`, { agent: big.slice(0, 150), model: { providerID: big.slice(1, 190), modelID: "m" } }),
    )
  }
  const grown = retainedExtra() - before
  // 20 sessions x 2 MB would be 40 MB if the cut todos still shared their originals
  expect(grown).toBeLessThan(10 * MB) // measured: ~4 MB with copies, ~42 MB with slices
  const kept = h.internals.ctx.store.peek("ses_3")!.todos![0]!.content
  expect(kept.length).toBe(501)
})

test("context pruning keeps no piece of a tool output that pins it (a saved-output path is copied)", async () => {
  const h = await pluginHarness({}, { factories: [["context-pruning", createContextPruningHook]] })
  const before = retainedExtra()
  for (let i = 0; i < 20; i++) {
    const output = `${i}: The full output is saved in /tmp/out_${i}.txt; read it\n`.padEnd(
      2 * MB,
      String.fromCharCode(97 + (i % 26)),
    )
    const messages = [
      { info: { role: "user", id: `msg_u${i}`, sessionID: `ses_${i}` }, parts: [] },
      {
        info: { role: "assistant", id: `msg_a${i}`, sessionID: `ses_${i}` },
        parts: [
          {
            id: `prt_${i}`,
            type: "tool",
            tool: "bash",
            callID: `c${i}`,
            state: { status: "completed", input: { command: "x" }, output },
          },
        ],
      },
    ]
    await h.hooks["experimental.chat.messages.transform"]!({} as never, { messages } as never)
  }
  // 20 outputs of 2 MB would stay if the captured path shared its output's memory
  expect(retainedExtra() - before).toBeLessThan(10 * MB)
  expect(h.internals.ctx.store.size).toBe(20)
})
