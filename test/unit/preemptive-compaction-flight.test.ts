import { describe, expect, test } from "bun:test"
import { armedSession, summarizeCalls } from "../helpers/compaction-session"
import { ev } from "../../testkit/events"

describe("preemptive compaction: one attempt out at a time", () => {
  test("a hung summarize is aborted at the timeout; retries never overlap it", async () => {
    let outstanding = 0
    let most = 0
    const hang = (args: { signal?: AbortSignal }) =>
      new Promise(() => {
        outstanding++
        most = Math.max(most, outstanding)
        args.signal?.addEventListener("abort", () => outstanding--)
      })
    const h = await armedSession(
      { compaction_timeout_ms: 5_000, compaction_retry_base_ms: 1_000, compaction_max_retries: 2 },
      { "session.summarize": hang },
    )
    await h.toolAfter("s")
    for (let i = 0; i < 30; i++) {
      await h.clock.advance(1_000)
      await h.toolAfter("s")
    }
    expect(summarizeCalls(h)).toHaveLength(3)
    expect(most).toBe(1)
    expect(outstanding).toBe(0)
    expect(h.internals.ctx.store.peek("s")!.compaction.phase).toBe("gave-up")
  })

  test("a late rejection from a superseded attempt does not fail the attempt in flight", async () => {
    const rejects: Array<(e: Error) => void> = []
    const h = await armedSession(
      { compaction_timeout_ms: 5_000, compaction_retry_base_ms: 1_000 },
      { "session.summarize": () => new Promise((_, reject) => rejects.push(reject)) },
    )
    await h.toolAfter("s")
    await h.clock.advance(5_000) // attempt 1 times out
    await h.clock.advance(1_000)
    await h.toolAfter("s") // attempt 2 starts
    expect(summarizeCalls(h)).toHaveLength(2)
    rejects[0]!(new Error("late failure of attempt 1"))
    await h.clock.settle()
    const fact = h.internals.ctx.store.peek("s")!.compaction
    expect(fact.phase).toBe("in-flight")
    expect(fact.lastError).toContain("no session.compacted within 5000 ms")
  })

  test("after the session is deleted, or the plugin disposed, a pending failure schedules nothing", async () => {
    for (const end of ["deleted", "disposed"] as const) {
      const h = await armedSession(
        { compaction_timeout_ms: 5_000, compaction_retry_base_ms: 1_000 },
        { "session.summarize": () => new Promise(() => {}) },
      )
      await h.toolAfter("s")
      if (end === "deleted") await h.send(ev.deleted("s"))
      else await h.hooks.dispose!()
      await h.clock.advance(60_000)
      expect(summarizeCalls(h)).toHaveLength(1)
      // Only the plugin's own sweep stays while the plugin lives.
      expect(h.clock.pending()).toBe(end === "deleted" ? 1 : 0)
      expect(h.internals.ctx.calls.inFlight()).toBe(0)
    }
  })
})
