import { describe, expect, test } from "bun:test"
import { createPreemptiveCompactionHook } from "../../src/hooks/preemptive-compaction"
import { createLongrun } from "../../src/plugin"
import { TimerOwner } from "../../src/runtime/timers"
import { ev } from "../../testkit/events"
import { fakePluginInput } from "../../testkit/fake-client"
import { fakeClock } from "../../testkit/fake-clock"
import { pluginHarness } from "../../testkit/plugin-harness"

describe("client wrapper", () => {
  test("a caller's own abort signal ends the call at once", async () => {
    const h = await pluginHarness({}, { factories: [], responders: { "session.todo": () => new Promise(() => {}) } })
    const abort = new AbortController()
    let outcome = "pending"
    h.internals.ctx.client.session.todo({ path: { id: "s" }, signal: abort.signal } as never).then(
      () => (outcome = "answered"),
      (err: Error) => (outcome = err.message),
    )
    await h.clock.settle()
    expect(outcome).toBe("pending")
    abort.abort()
    await h.clock.settle()
    expect(outcome).toBe("session.todo was aborted")
    expect(h.internals.ctx.calls.inFlight()).toBe(0)
  })

  test("after dispose no call reaches OpenCode", async () => {
    const h = await pluginHarness({}, { factories: [] })
    await h.hooks.dispose!()
    const before = h.fake.calls.length
    await expect(h.internals.ctx.client.session.todo({ path: { id: "s" } })).rejects.toThrow("disposed")
    expect(h.fake.calls.length).toBe(before)
  })

  test("a client whose namespaces are functions: its hung catalogue and todo reads still end on dispose", async () => {
    // Some clients (proxies, bound SDK wrappers) expose `config` and `session` as functions, not objects.
    const hang: any = new Proxy(() => {}, { get: () => hang, apply: () => new Promise(() => {}) })
    const clock = fakeClock()
    const { hooks, internals } = await createLongrun(fakePluginInput(hang), {}, { clock: clock.clock })
    await hooks.event!({ event: ev.assistant("s", "msg_001", { input: 100 }) } as never) // a catalogue read
    await hooks.event!({ event: ev.status("s", "idle") } as never) // a session.todo read
    await clock.settle()
    expect(internals.ctx.calls.counts.get("config.providers")).toBe(1)
    expect(internals.ctx.calls.counts.get("session.todo")).toBe(1)
    let returned = false
    const disposing = hooks.dispose!().then(() => (returned = true))
    await clock.settle()
    expect(returned).toBe(true) // at once: not after DISPOSE_WAIT_MS
    expect(internals.router.pendingCount).toBe(0)
    await clock.advance(2_000)
    await disposing
  })

  test("log lines and toasts waiting on a hung host are bounded; the rest are dropped and counted", async () => {
    const hang = () => new Promise(() => {})
    const h = await pluginHarness({}, { factories: [], responders: { "app.log": hang, "tui.showToast": hang } })
    for (let i = 0; i < 100; i++) h.internals.ctx.logger.log("info", `line ${i}`)
    expect(h.internals.ctx.calls.inFlight()).toBe(16)
    expect(h.internals.ctx.logger.dropped).toBe(84)
  })
})

describe("timers", () => {
  test("a throwing callback goes to the owner's error handler, never to the runtime", async () => {
    const clock = fakeClock()
    const errors: unknown[] = []
    const owner = new TimerOwner(clock.clock, (err) => errors.push(err))
    let later = false
    owner.setTimeout(() => {
      throw new Error("boom")
    }, 10)
    owner.setTimeout(() => (later = true), 20)
    await clock.advance(30)
    expect(errors).toHaveLength(1)
    expect(later).toBe(true)
  })
})

describe("compaction attempts", () => {
  const LIMIT = { context: 20_000, output: 2_000 }
  const armed = async (summarize: (args: { signal?: AbortSignal }) => unknown) => {
    const h = await pluginHarness(
      { compaction_timeout_ms: 60_000, compaction_retry_base_ms: 1_000 },
      { factories: [["preemptive-compaction", createPreemptiveCompactionHook]], responders: { "session.summarize": summarize } },
    )
    await h.chatParams("s", LIMIT)
    await h.send(ev.status("s", "busy"))
    await h.send(ev.assistant("s", "msg_001", { input: 16_500 }))
    return h
  }

  test("an attempt failed by session.error aborts its call; the retry waits for the backoff and never overlaps", async () => {
    const signals: AbortSignal[] = []
    const h = await armed((args) => {
      if (args.signal) signals.push(args.signal)
      return new Promise(() => {})
    })
    await h.toolAfter("s")
    await h.send(ev.error("s", "APIError"))
    expect(signals).toHaveLength(1)
    expect(signals[0]!.aborted).toBe(true)
    await h.toolAfter("s") // inside the backoff
    expect(signals).toHaveLength(1)
    await h.clock.advance(1_000)
    await h.toolAfter("s")
    expect(signals).toHaveLength(2)
    expect(signals[1]!.aborted).toBe(false)
  })

  test("a rejection that cannot be serialised still fails the attempt (no stuck flight, nothing thrown)", async () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const h = await armed(() => Promise.reject(circular))
    await h.toolAfter("s")
    const fact = h.internals.ctx.store.peek("s")!.compaction
    expect(fact.phase).toBe("armed")
    expect(fact.lastError).toBe("unknown error")
  })
})
