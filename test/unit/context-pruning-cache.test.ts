import { expect, test } from "bun:test"
import { prefixStats, viewOf } from "../../testkit/prompt-metrics"
import { createContextPruningHook } from "../../src/hooks/context-pruning"
import { charsOf, Conversation } from "../../testkit/conversation"
import { pluginHarness } from "../../testkit/plugin-harness"

const body = (tag: string, n = 80) => `${Array.from({ length: n }, (_, i) => `${tag} ${i} ${"x".repeat(40)}`).join("\n")}\n`

/** A session like the benchmark's, each request transformed as OpenCode would send it. */
async function replay(options: Record<string, unknown>, pauseMs: number, turns = 6) {
  const h = await pluginHarness(options, { factories: [["context-pruning", createContextPruningHook]] })
  const transform = h.hooks["experimental.chat.messages.transform"]!
  const c = new Conversation()
  const sent: Array<{ messages: unknown[] }> = []
  const turnStarts: number[] = []
  const moments: number[] = []
  let raw = 0
  const step = async (fn: () => void) => {
    fn()
    const messages = c.request()
    raw += charsOf(messages)
    const before = h.internals.ctx.store.peek("ses_test")?.pruning.moments ?? 0
    await transform({}, { messages } as never)
    if ((h.internals.ctx.store.peek("ses_test")?.pruning.moments ?? 0) > before) moments.push(sent.length)
    sent.push({ messages })
  }
  for (let t = 1; t <= turns; t++) {
    turnStarts.push(sent.length)
    await step(() => c.pause(pauseMs).user(`turn ${t}`))
    await step(() => c.read("core.ts", body("core")))
    await step(() => c.read("feature.ts", body(`feature-${t}`)))
    await step(() => c.bash("npm test", body("PASS")))
    await step(() => c.tool("bash", { command: "sh check.sh" }, { output: body("error TS2322", 30) }))
    await step(() => c.write("gen.json", body(`gen-${t}`)))
    await step(() => c.read("gen.json", body(`gen-${t}`)))
    await step(() => c.text(`turn ${t} done`))
  }
  const sentChars = sent.reduce((s, r) => s + charsOf(r.messages), 0)
  return { prefix: prefixStats(sent.map((r) => viewOf(r))), turnStarts, moments, ratio: sentChars / raw }
}

test("a person back after the cache's lifetime: the prefix breaks only at those turn starts, and much less is sent", async () => {
  const { prefix, turnStarts, moments, ratio } = await replay({}, 10 * 60_000)
  expect(prefix.breaks).toBeGreaterThan(0)
  for (const at of prefix.breakAt) expect(turnStarts).toContain(at)
  expect(prefix.breakAt).toEqual(moments)
  expect(ratio).toBeLessThan(0.6)
})

test("a person who never leaves: every break is a moment the bill chose, never two requests in a row", async () => {
  const { prefix, moments } = await replay({}, 0)
  expect(moments.length).toBeGreaterThan(0)
  expect(prefix.breakAt).toEqual(moments)
  for (let i = 1; i < moments.length; i++) expect(moments[i]! - moments[i - 1]!).toBeGreaterThan(1)
})

test("with only the lossless references, the prefix never breaks", async () => {
  const { prefix, ratio } = await replay(
    {
      pruning_superseded_reads: false,
      pruning_superseded_writes: false,
      pruning_failed_inputs: false,
      pruning_near_duplicates: false,
      pruning_mask_old: false,
    },
    10 * 60_000,
  )
  expect(prefix.breaks).toBe(0)
  expect(ratio).toBeLessThan(0.8)
})

test("prefixStats counts a changed earlier message as a break and what follows as uncached", () => {
  const a = viewOf({
    messages: [
      { role: "user", content: "a" },
      { role: "tool", content: "bbbb" },
    ],
  })
  const b = viewOf({
    messages: [
      { role: "user", content: "a" },
      { role: "tool", content: "bbbb" },
      { role: "user", content: "c" },
    ],
  })
  const c = viewOf({
    messages: [
      { role: "user", content: "a" },
      { role: "tool", content: "[x]" },
      { role: "user", content: "c" },
    ],
  })
  const s = prefixStats([a, b, c])
  expect(s.breaks).toBe(1)
  expect(s.breakAt).toEqual([2])
  expect(s.uncachedChars).toBe(a.messages.join("").length + b.messages[2]!.length + c.messages[1]!.length + c.messages[2]!.length)
})
