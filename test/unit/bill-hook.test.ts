import { describe, expect, test } from "bun:test"
import { createBillHook } from "../../src/hooks/bill"
import { createContextPruningHook } from "../../src/hooks/context-pruning"
import { Conversation } from "../../testkit/conversation"
import { ev } from "../../testkit/events"
import { pluginHarness } from "../../testkit/plugin-harness"

const S = "ses_bill"
const SONNET = { input: 3, output: 15, cache: { read: 0.3, write: 3.75 } }

async function setup(options: Record<string, unknown> = {}, cost: unknown = SONNET) {
  const h = await pluginHarness(options, {
    factories: [
      ["context-pruning", createContextPruningHook],
      ["bill", createBillHook],
    ],
  })
  await h.hooks["chat.params"]!(
    {
      sessionID: S,
      agent: "build",
      model: { id: "scripted-model", providerID: "scripted", limit: { context: 200_000, output: 8_000 }, cost } as never,
      provider: { source: "config", info: { id: "scripted" } as never, options: {} },
      message: {} as never,
    },
    { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} },
  )
  let t = 1_000_000
  const step = async (
    id: string,
    tokens: { input?: number; output?: number; read?: number; write?: number },
    extra: Record<string, unknown> = {},
    gapMs = 1_000,
  ) => {
    t += gapMs
    const created = t
    t += 1_000
    await h.send(ev.assistant(S, id, tokens, { time: { created, completed: t }, cost: 0.01, ...extra }))
  }
  const bill = () => h.internals.ctx.store.peek(S)!.bill
  return { ...h, step, bill }
}

describe("the bill, from the usage OpenCode stores on each step", () => {
  test("dollars at the model's cache prices, the hit rate, and OpenCode's own figure beside them", async () => {
    const h = await setup()
    await h.step("msg_1", { write: 10_000, output: 100 })
    await h.step("msg_2", { read: 10_000, write: 500, output: 100 })
    const b = h.bill()
    expect(b.steps).toBe(2)
    expect(b.dollars).toBeCloseTo((10_500 * 3.75 + 10_000 * 0.3 + 200 * 15) / 1e6, 9)
    expect(b.estimated).toBe(false)
    expect(b.hostDollars).toBeCloseTo(0.02, 9)
    expect(b.busts).toBe(0)
    const text = h.internals.status().sections.find((s) => s.hook === "bill")!.text
    expect(text).toContain("49%")
  })

  test("a repeated update of a step replaces it; a step without usage or not finished counts nothing", async () => {
    const h = await setup()
    await h.step("msg_1", { write: 10_000 })
    await h.send(ev.assistant(S, "msg_1", { write: 12_000 }, { time: { created: 1, completed: 5 } }))
    await h.send(ev.assistant(S, "msg_2", { write: 9_000 }, { time: { created: 1 } }))
    await h.send(ev.assistant(S, "msg_3", {}, { time: { created: 1, completed: 2 } }))
    expect(h.bill().steps).toBe(1)
    expect(h.bill().cacheWrite).toBe(12_000)
  })

  test("busts are named by cause: the cache expired, a compaction, a model change, unknown", async () => {
    const h = await setup()
    await h.step("msg_1", { write: 20_000 })
    await h.step("msg_2", { write: 20_500 }, {}, 6 * 60_000)
    await h.send({ type: "session.compacted", properties: { sessionID: S } })
    await h.step("msg_3", { write: 3_000, read: 0 }, {}, 1_000)
    await h.step("msg_4", { read: 3_000, write: 100 })
    await h.step("msg_5", { write: 3_200 }, { modelID: "other-model" })
    await h.step("msg_6", { read: 3_200, write: 50 }, { modelID: "other-model" })
    await h.step("msg_7", { write: 3_300 }, { modelID: "other-model" })
    expect(h.bill().lastBusts.map((b) => b.cause)).toEqual(["cache expired", "compaction", "model changed", "unknown"])
    expect(h.bill().busts).toBe(4)
  })

  test("a bust right after the pruner's warm moment is named pruning; a costly one shows a toast", async () => {
    const h = await setup({ bill_bust_toast_usd: 0.01 })
    const c = new Conversation(S)
    c.user("go")
    const big = `${"old output line\n".repeat(3_000)}`
    c.bash("cat big.log", big)
    for (let i = 0; i < 10; i++) c.bash(`echo ${i}`, `${i}\n`)
    await h.step(c.messages[c.messages.length - 1]!.info.id as string, { write: 20_000 })
    await h.hooks["experimental.chat.messages.transform"]!({}, { messages: c.request() } as never)
    expect(h.internals.ctx.store.peek(S)!.pruning.moments).toBe(1)
    await h.step("msg_next", { write: 8_000, read: 2_000 })
    expect(h.bill().lastBusts.at(-1)!.cause).toBe("pruning")
    expect(
      h.fake.toasts().some((t) => t.message.startsWith("A prompt-cache miss cost about $") && t.message.includes("(pruning)")),
    ).toBe(true)
  })

  test("a provider that never reports a cache read or write has no busts", async () => {
    const h = await setup()
    await h.step("msg_1", { input: 20_000 })
    await h.step("msg_2", { input: 20_500 })
    await h.step("msg_3", { input: 21_000 })
    expect(h.bill().busts).toBe(0)
    expect(h.bill().steps).toBe(3)
  })

  test("without catalogue prices the bill is an estimate at the documented default", async () => {
    const h = await setup({}, null)
    await h.step("msg_1", { write: 1_000_000 })
    expect(h.bill().estimated).toBe(true)
    expect(h.bill().dollars).toBeCloseTo(3.75, 6)
    expect(h.internals.status().sections.find((s) => s.hook === "bill")!.text).toContain("(est.)")
  })
})
