import { describe, expect, test } from "bun:test"
import { createContextWindowMonitorHook } from "../../src/hooks/context-window-monitor"
import { ev } from "../../testkit/events"
import { pluginHarness, type Factory } from "../../testkit/plugin-harness"

const monitorOnly: Factory[] = [["context-window-monitor", createContextWindowMonitorHook]]
const LIMIT = { context: 20_000, output: 2_000 }

describe("context-window monitor", () => {
  test("each threshold fires once per epoch: status line on the next tool result, toast for the user", async () => {
    const h = await pluginHarness({ context_warning_thresholds: [0.7, 0.85] }, { factories: monitorOnly })
    await h.chatParams("s", LIMIT)
    await h.send(ev.assistant("s", "msg_001", { input: 10_000 }))
    expect(await h.toolAfter("s")).toBe("tool output") // 50%: nothing to say
    await h.send(ev.assistant("s", "msg_002", { input: 14_000, output: 400 }))
    const withLine = await h.toolAfter("s")
    expect(withLine).toBe(
      "tool output\n\n[opencode-longrun context note] 14,400 of 20,000 tokens in use (72% of the context window).",
    )
    expect(await h.toolAfter("s")).toBe("tool output") // shown once
    await h.send(ev.assistant("s", "msg_003", { input: 14_500 })) // still past 0.7 only
    expect(await h.toolAfter("s")).toBe("tool output")
    await h.send(ev.assistant("s", "msg_004", { input: 17_500 }))
    expect(await h.toolAfter("s")).toContain("(88% of the context window)")
    const toasts = h.fake.toasts()
    expect(toasts.map((t) => t.message)).toEqual([
      "Context 72% of the window used (14,400/20,000 tokens)",
      "Context 88% of the window used (17,500/20,000 tokens)",
    ])
    expect(toasts[1]!.variant).toBe("warning")
  })

  test("output tokens are not input: against limit.input, the note counts what the window holds", async () => {
    const h = await pluginHarness({}, { factories: monitorOnly })
    await h.chatParams("s", { context: 400_000, input: 272_000, output: 128_000 })
    await h.send(ev.assistant("s", "msg_001", { input: 250_000, read: 10_000, output: 20_000 }))
    const note = await h.toolAfter("s")
    expect(note).toContain("260,000 of 272,000 tokens in use (96% of the context window)")
    expect(note).not.toContain("103%")
    expect(h.fake.toasts()[0]!.message).toBe("Context 96% of the window used (260,000/272,000 tokens)")
  })

  test("what the agent reads never goes over 100 %, in the note or in longrun_status", async () => {
    const h = await pluginHarness({}, { factories: monitorOnly })
    await h.chatParams("s", LIMIT)
    await h.send(ev.assistant("s", "msg_001", { input: 24_000, output: 1_000 }))
    const note = await h.toolAfter("s")
    expect(note).toContain("(100% of the context window)")
    const status = String(await h.hooks.tool!.longrun_status!.execute({ scope: "all" } as never, { sessionID: "s" } as never))
    for (const text of [note, status])
      for (const pct of text.match(/\d+%/g) ?? []) expect(Number.parseInt(pct, 10)).toBeLessThanOrEqual(100)
    expect(note).not.toContain("25,000 of 20,000")
  })

  test("a compaction starts a new epoch: thresholds fire again", async () => {
    const h = await pluginHarness({}, { factories: monitorOnly })
    await h.chatParams("s", LIMIT)
    await h.send(ev.assistant("s", "msg_001", { input: 15_000 }))
    expect(await h.toolAfter("s")).toContain("(75% of the context window)")
    await h.send(ev.compacted("s"))
    await h.send(ev.assistant("s", "msg_003", { input: 3_000 }))
    expect(await h.toolAfter("s")).toBe("tool output")
    await h.send(ev.assistant("s", "msg_004", { input: 14_100 }))
    expect(await h.toolAfter("s")).toContain("(71% of the context window)")
    expect(h.fake.toasts()).toHaveLength(2)
  })

  test("compaction summary messages never trigger a warning", async () => {
    const h = await pluginHarness({}, { factories: monitorOnly })
    await h.chatParams("s", LIMIT)
    await h.send(ev.assistant("s", "msg_001", { input: 19_000 }, { summary: true, agent: "compaction", mode: "compaction" }))
    expect(await h.toolAfter("s")).toBe("tool output")
    expect(h.fake.toasts()).toHaveLength(0)
  })

  test("the limit comes from the catalogue, read once, when no request has shown the model yet", async () => {
    const catalogue = {
      data: {
        providers: [
          { id: "scripted", models: { "scripted-model": { id: "scripted-model", limit: { context: 10_000, output: 1_000 } } } },
        ],
        default: {},
      },
    }
    const h = await pluginHarness({}, { factories: monitorOnly, responders: { "config.providers": () => catalogue } })
    await h.send(ev.assistant("s", "msg_001", { input: 7_500 }))
    expect(await h.toolAfter("s")).toContain("7,500 of 10,000 tokens in use (75% of the context window)")
    await h.send(ev.assistant("s", "msg_002", { input: 9_000 }))
    await h.send(ev.assistant("t", "msg_003", { input: 100 }))
    expect(h.fake.named("config.providers")).toHaveLength(1)
  })

  test("limit.input, when the model has one, is the window", async () => {
    const h = await pluginHarness({}, { factories: monitorOnly })
    await h.chatParams("s", { context: 200_000, input: 100_000, output: 8_000 })
    await h.send(ev.assistant("s", "msg_001", { input: 72_000 }))
    expect(await h.toolAfter("s")).toContain("72,000 of 100,000 tokens in use (72% of the context window)")
  })

  test("an unknown limit: no warning, one log line per model", async () => {
    const h = await pluginHarness(
      {},
      { factories: monitorOnly, responders: { "config.providers": () => ({ data: { providers: [] } }) } },
    )
    await h.send(ev.assistant("s", "msg_001", { input: 999_999 }))
    await h.send(ev.assistant("s", "msg_002", { input: 999_999 }))
    expect(await h.toolAfter("s")).toBe("tool output")
    const lines = h.fake.logs().filter((l) => l.message.includes("no context limit known for scripted/scripted-model"))
    expect(lines).toHaveLength(1)
    expect(h.fake.named("config.providers")).toHaveLength(1)
  })

  test("longrun_status shows usage, limit source and thresholds fired", async () => {
    const h = await pluginHarness({}, { factories: monitorOnly })
    await h.chatParams("s", LIMIT)
    await h.send(ev.assistant("s", "msg_001", { input: 15_000 }))
    const text = String(await h.hooks.tool!.longrun_status!.execute({} as never, { sessionID: "s" } as never))
    expect(text).toContain("context windows")
    expect(text).toMatch(/s\s+75%\s+15000\/20000\s+-\s+chat\.params\s+70%/)
  })

  test("with compaction on, the note says where the plugin and OpenCode compact; no second toast hides the compaction's", async () => {
    const h = await pluginHarness({ context_warning_thresholds: [0.7, 0.8] })
    await h.chatParams("s", LIMIT)
    await h.send(ev.status("s", "busy"))
    await h.send(ev.assistant("s", "msg_001", { input: 14_200 }))
    expect(await h.toolAfter("s")).toContain(
      "14,200 of 20,000 tokens in use (71% of the context window); the plugin compacts at 16,000; OpenCode compacts at 18,000.",
    )
    await h.send(ev.assistant("s", "msg_002", { input: 16_400 })) // past 0.8 and the compaction threshold
    await h.toolAfter("s")
    expect(h.fake.toasts().map((t) => t.message)).toEqual([
      "Context 71% of the window used (14,200/20,000 tokens)",
      "Context at 16,400 tokens, past the 16,000 threshold: compacting the session",
    ])
  })

  test("context_note_to_agent: false keeps the agent's tool results untouched; the user still gets the toast", async () => {
    const h = await pluginHarness({ context_note_to_agent: false }, { factories: monitorOnly })
    await h.chatParams("s", LIMIT)
    await h.send(ev.assistant("s", "msg_001", { input: 15_000 }))
    expect(await h.toolAfter("s")).toBe("tool output")
    expect(h.fake.toasts()).toHaveLength(1)
  })

  test("a failed catalogue read is retried later with backoff, not given up for good", async () => {
    let reads = 0
    const catalogue = { data: { providers: [{ id: "scripted", models: { "scripted-model": { limit: { context: 10_000 } } } }] } }
    const providers = () => (++reads === 1 ? Promise.reject(new Error("catalogue down")) : catalogue)
    const h = await pluginHarness({}, { factories: monitorOnly, responders: { "config.providers": providers } })
    await h.send(ev.assistant("s", "msg_001", { input: 7_500 }))
    expect(await h.toolAfter("s")).toBe("tool output")
    await h.send(ev.assistant("s", "msg_002", { input: 7_600 })) // inside the backoff: no second read
    expect(reads).toBe(1)
    await h.clock.advance(5_000)
    await h.send(ev.assistant("s", "msg_003", { input: 7_700 }))
    expect(reads).toBe(2)
    expect(await h.toolAfter("s")).toContain("7,700 of 10,000 tokens in use")
  })

  test("unknown model ids cannot multiply catalogue reads", async () => {
    const h = await pluginHarness(
      {},
      { factories: monitorOnly, responders: { "config.providers": () => ({ data: { providers: [] } }) } },
    )
    for (let i = 0; i < 50; i++) await h.send(ev.assistant(`s${i}`, "msg_001", { input: 10 }, { modelID: `model-${i}` }))
    expect(h.fake.named("config.providers")).toHaveLength(1)
  })
})
