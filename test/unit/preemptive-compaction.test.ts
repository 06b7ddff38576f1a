import { describe, expect, test } from "bun:test"
import { armedSession, compactionOnly, LIMIT, summarizeCalls } from "../helpers/compaction-session"
import { hostOverflowPoint } from "../../src/hooks/preemptive-compaction/overflow"
import { ev } from "../../testkit/events"
import { pluginHarness } from "../../testkit/plugin-harness"

describe("preemptive compaction", () => {
  test("crossing the threshold mid-turn compacts after the next tool, once, with auto: true", async () => {
    const h = await armedSession()
    expect(summarizeCalls(h)).toHaveLength(0) // armed, waiting for a moment OpenCode accepts
    await h.toolAfter("s")
    await h.toolAfter("s")
    await h.send(ev.assistant("s", "msg_002", { input: 17_000 }))
    await h.toolAfter("s")
    const calls = summarizeCalls(h)
    expect(calls).toHaveLength(1)
    expect(calls[0]).toMatchObject({ path: { id: "s" }, body: { providerID: "scripted", modelID: "scripted-model", auto: true } })
    expect(h.fake.toasts()[0]!.message).toBe("Context at 16,500 tokens, past the 16,000 threshold: compacting the session")
    expect(h.internals.ctx.store.peek("s")!.compaction).toMatchObject({
      phase: "in-flight",
      inFlight: true,
      thresholdTokens: 16_000,
      hostOverflowTokens: 18_000,
    })
  })

  test("a session that goes idle while armed is compacted then, without auto-continue", async () => {
    const h = await armedSession()
    await h.send(ev.status("s", "idle"))
    await h.send(ev.idle("s"))
    const calls = summarizeCalls(h)
    expect(calls).toHaveLength(1)
    expect(calls[0]!.body.auto).toBe(false)
  })

  test("session.compacted ends the flight; a new crossing inside the cooldown waits for it", async () => {
    const h = await armedSession({ compaction_cooldown_ms: 60_000 })
    await h.toolAfter("s")
    await h.send(ev.compacted("s"))
    await h.send(ev.assistant("s", "msg_005", { input: 2_000 }))
    await h.send(ev.assistant("s", "msg_006", { input: 16_200 })) // crossed again, 10 s later
    await h.clock.advance(10_000)
    await h.toolAfter("s")
    expect(summarizeCalls(h)).toHaveLength(1)
    await h.clock.advance(51_000)
    await h.toolAfter("s")
    expect(summarizeCalls(h)).toHaveLength(2)
  })

  test("failures are shown, retried with backoff a bounded number of times, then given up", async () => {
    const h = await armedSession(
      { compaction_max_retries: 2, compaction_retry_base_ms: 1_000 },
      { "session.summarize": () => ({ error: { name: "UnknownError", data: { message: "provider down" } } }) },
    )
    await h.toolAfter("s")
    expect(summarizeCalls(h)).toHaveLength(1)
    expect(h.fake.toasts().at(-1)!.message).toBe("Compaction failed: provider down. Retrying in 1 s")
    await h.toolAfter("s") // backoff not elapsed
    expect(summarizeCalls(h)).toHaveLength(1)
    await h.clock.advance(1_000)
    await h.toolAfter("s")
    expect(summarizeCalls(h)).toHaveLength(2)
    expect(h.fake.toasts().at(-1)!.message).toContain("Retrying in 2 s")
    await h.clock.advance(2_000)
    await h.toolAfter("s")
    expect(summarizeCalls(h)).toHaveLength(3)
    expect(h.fake.toasts().at(-1)!.variant).toBe("error")
    expect(h.fake.toasts().at(-1)!.message).toContain("failed 3 times")
    await h.clock.advance(600_000)
    await h.toolAfter("s")
    await h.send(ev.assistant("s", "msg_009", { input: 17_000 }))
    await h.toolAfter("s")
    expect(summarizeCalls(h)).toHaveLength(3) // gave up for this epoch: no loop
  })

  test("a thrown client error counts as a failure too", async () => {
    const h = await armedSession(
      {},
      {
        "session.summarize": () => {
          throw new Error("socket hang up")
        },
      },
    )
    await h.toolAfter("s")
    expect(h.fake.toasts().at(-1)!.message).toContain("Compaction failed: socket hang up")
  })

  test("no session.compacted within the timeout fails the attempt and frees the flight", async () => {
    const h = await armedSession({ compaction_timeout_ms: 1_000, compaction_retry_base_ms: 100 })
    await h.toolAfter("s")
    await h.clock.advance(1_000)
    expect(h.fake.toasts().at(-1)!.message).toContain("no session.compacted within 1000 ms")
    await h.clock.advance(100)
    await h.toolAfter("s")
    expect(summarizeCalls(h)).toHaveLength(2)
  })

  test("compaction-agent messages never trigger a compaction", async () => {
    const h = await pluginHarness({}, { factories: compactionOnly })
    await h.chatParams("s", LIMIT)
    await h.send(ev.assistant("s", "msg_001", { input: 17_000 }, { summary: true, agent: "compaction", mode: "compaction" }))
    await h.toolAfter("s")
    await h.send(ev.idle("s"))
    expect(summarizeCalls(h)).toHaveLength(0)
  })

  test("no double compaction: not while OpenCode compacts, and not past OpenCode's own overflow point", async () => {
    const h = await armedSession()
    await h.send(ev.assistant("s", "msg_002", { input: 100 }, { summary: true, agent: "compaction", mode: "compaction" }))
    await h.toolAfter("s")
    expect(summarizeCalls(h)).toHaveLength(0)
    const h2 = await pluginHarness({}, { factories: compactionOnly })
    await h2.chatParams("s", LIMIT)
    await h2.send(ev.assistant("s", "msg_001", { input: 18_500 })) // beyond 18,000: OpenCode handles it
    await h2.toolAfter("s")
    expect(summarizeCalls(h2)).toHaveLength(0)
  })

  test("compaction.auto: false in OpenCode's config turns it off", async () => {
    const h = await pluginHarness({}, { factories: compactionOnly })
    await h.hooks.config!({ compaction: { auto: false } } as never)
    await h.internals.router.flush()
    await h.chatParams("s", LIMIT)
    await h.send(ev.assistant("s", "msg_001", { input: 16_500 }))
    await h.toolAfter("s")
    expect(summarizeCalls(h)).toHaveLength(0)
    expect(h.fake.logs().some((l) => l.message.includes("compaction.auto is false"))).toBe(true)
  })

  test("a threshold at or above OpenCode's overflow point is lowered below it, and said once", async () => {
    const h = await pluginHarness({ compaction_threshold: 0.8 }, { factories: compactionOnly })
    await h.chatParams("s", { context: 20_000, output: 8_000 }) // OpenCode overflows at 12,000 = 60%
    await h.send(ev.assistant("s", "msg_001", { input: 11_200 })) // 56%
    await h.toolAfter("s")
    expect(summarizeCalls(h)).toHaveLength(1)
    expect(h.fake.logs().filter((l) => l.message.includes("compacting at 55% instead"))).toHaveLength(1)
  })

  test("open todos are added to the compaction prompt", async () => {
    const h = await pluginHarness({}, { factories: compactionOnly })
    await h.send(
      ev.todos("s", [
        { content: "write tests", status: "completed" },
        { content: "ship it", status: "in_progress" },
      ]),
    )
    const output = { context: [] as string[] }
    await h.hooks["experimental.session.compacting"]!({ sessionID: "s" }, output)
    expect(output.context).toHaveLength(1)
    expect(output.context[0]).toContain("- [in_progress] ship it")
    expect(output.context[0]).not.toContain("write tests")
  })

  test("background tasks still running are named in the compaction prompt, with how to collect them", async () => {
    const h = await pluginHarness({}, { factories: compactionOnly })
    const entry = h.internals.ctx.store.touch("s")
    entry.background.running = 1
    entry.background.tasks = [
      {
        id: "bg_1",
        description: "scan the repo",
        status: "running",
        startedAt: 1,
        endedAt: undefined,
        toolCalls: 2,
        tokens: { input: 1, output: 1 },
      },
      {
        id: "bg_0",
        description: "old one",
        status: "completed",
        startedAt: 0,
        endedAt: 1,
        toolCalls: 1,
        tokens: { input: 1, output: 1 },
      },
    ]
    const output = { context: [] as string[] }
    await h.hooks["experimental.session.compacting"]!({ sessionID: "s" }, output)
    expect(output.context).toHaveLength(1)
    expect(output.context[0]).toContain("- bg_1: scan the repo (running)")
    expect(output.context[0]).toContain("background_output <id>")
    expect(output.context[0]).not.toContain("old one")
  })

  test("OpenCode's overflow point follows its formula", () => {
    const host = {}
    expect(hostOverflowPoint({ context: 20_000, output: 2_000, source: "chat.params" }, host)).toBe(18_000)
    expect(hostOverflowPoint({ context: 200_000, output: 64_000, source: "chat.params" }, host)).toBe(168_000)
    expect(hostOverflowPoint({ context: 200_000, input: 150_000, output: 8_000, source: "chat.params" }, host)).toBe(142_000)
    expect(
      hostOverflowPoint(
        { context: 200_000, input: 150_000, output: 8_000, source: "chat.params" },
        { compactionReserved: 30_000 },
      ),
    ).toBe(120_000)
  })
})
