import { describe, expect, test } from "bun:test"
import { ingest } from "../../src/cache/ingest"
import { SessionStore } from "../../src/cache/session-store"
import { parseEvent } from "../../src/events/parse"
import { fakeClock } from "../../testkit/fake-clock"
import { ev } from "../../testkit/events"
import { longestReachableString } from "../helpers/retained"

function makeStore(clock = fakeClock(), over: Partial<ConstructorParameters<typeof SessionStore>[0]> = {}) {
  return new SessionStore({ ttlMs: 60_000, maxSessions: 5, messageCap: 20, messageCapHysteresis: 5, clock: clock.clock, ...over })
}
const feed = (store: SessionStore, raw: unknown, now = 0) => ingest(store, parseEvent(raw)!, now)

describe("SessionStore TTL and sweep", () => {
  test("activity refreshes the TTL; sweep removes only sessions idle past it", async () => {
    const clock = fakeClock()
    const store = makeStore(clock)
    store.touch("a")
    store.touch("b")
    await clock.advance(40_000)
    store.touch("a") // activity on a
    await clock.advance(30_000) // b is now 70 s idle, a 30 s
    expect(store.sweep()).toBe(1)
    expect(store.has("a")).toBe(true)
    expect(store.peek("b")).toBeUndefined()
    expect(store.stats.expired).toBe(1)
  })

  test("sweep releases expired sessions' hook state and timers", async () => {
    const clock = fakeClock()
    const store = makeStore(clock)
    const released: string[] = []
    const entry = store.touch("a")
    entry.state("todo", () => ({ n: 1 }), { release: () => released.push("todo") })
    let fired = false
    entry.timers.setTimeout(() => (fired = true), 100_000)
    expect(entry.timers.size).toBe(1)
    await clock.advance(61_000)
    store.sweep()
    expect(released).toEqual(["todo"])
    expect(entry.timers.size).toBe(0)
    expect(entry.isReleased).toBe(true)
    await clock.advance(100_000)
    expect(fired).toBe(false)
    // A released entry's owner is closed: late callbacks cannot schedule more.
    expect(entry.timers.setTimeout(() => (fired = true), 1)).toBeUndefined()
  })

  test("peek does not refresh the TTL", async () => {
    const clock = fakeClock()
    const store = makeStore(clock)
    store.touch("a")
    await clock.advance(50_000)
    store.peek("a")
    await clock.advance(20_000)
    store.sweep()
    expect(store.has("a")).toBe(false)
  })

  test("the session cap evicts the least recently active session", async () => {
    const store = makeStore()
    const reasons: string[] = []
    store.onRemove((e, why) => reasons.push(`${e.id}:${why}`))
    for (const id of ["a", "b", "c", "d", "e"]) store.touch(id)
    store.touch("a")
    store.touch("f")
    expect(store.size).toBe(5)
    expect(store.has("b")).toBe(false)
    expect(reasons).toEqual(["b:evicted"])
  })

  test("session.deleted-style delete and clear() report their reasons", async () => {
    const store = makeStore()
    const reasons: string[] = []
    store.onRemove((e, why) => reasons.push(`${e.id}:${why}`))
    store.touch("a")
    store.touch("b")
    store.delete("a")
    store.clear()
    expect(reasons).toEqual(["a:deleted", "b:cleared"])
    expect(store.size).toBe(0)
  })

  test("a throwing release callback is reported and the others still run", async () => {
    const errors: string[] = []
    const store = makeStore(fakeClock(), { onReleaseError: (hook) => errors.push(hook) })
    const entry = store.touch("a")
    const released: string[] = []
    entry.state("bad", () => 1, {
      release: () => {
        throw new Error("boom")
      },
    })
    entry.state("good", () => 2, { release: () => released.push("good") })
    store.delete("a")
    expect(errors).toEqual(["bad"])
    expect(released).toEqual(["good"])
  })
})

describe("ingest keeps metadata only", () => {
  test("usage comes from the newest assistant message, counted as input+output+cache", async () => {
    const store = makeStore()
    feed(store, ev.assistant("s", "msg_002", { input: 1000, output: 200, read: 300, write: 50 }))
    feed(store, ev.assistant("s", "msg_001", { input: 1, output: 1 })) // a late update of an older message
    const e = store.peek("s")!
    expect(e.usage!.messageID).toBe("msg_002")
    expect(e.usage!.total).toBe(1550)
    expect(e.providerID).toBe("scripted")
  })

  test("OpenCode's tokens.total, when present, is the count (it includes reasoning)", async () => {
    const store = makeStore()
    const e = ev.assistant("s", "msg_001", { input: 1400, output: 18, read: 1200 })
    ;(e.properties.info.tokens as Record<string, unknown>).reasoning = 7
    ;(e.properties.info.tokens as Record<string, unknown>).total = 2625
    feed(store, e)
    expect(store.peek("s")!.usage!.total).toBe(2625)
  })

  test("compaction summary messages do not count as usage; session.compacted starts a new epoch", async () => {
    const store = makeStore()
    feed(store, ev.assistant("s", "msg_001", { input: 5000 }))
    feed(store, ev.assistant("s", "msg_002", { input: 9000 }, { summary: true, mode: "compaction", agent: "compaction" }))
    expect(store.peek("s")!.usage!.total).toBe(5000)
    expect(store.peek("s")!.messages.get("msg_002")!.summary).toBe(true)
    feed(store, ev.compacted("s"))
    expect(store.peek("s")!.usage).toBeUndefined()
    expect(store.peek("s")!.epoch).toBe(1)
  })

  test("repeated part updates replace sizes; deltas add", async () => {
    const store = makeStore()
    feed(store, ev.textPart("s", "m1", "p1", "hello"))
    feed(store, ev.textPart("s", "m1", "p1", "hello world"))
    feed(store, ev.delta("s", "m1", "p2", "abc"))
    feed(store, ev.delta("s", "m1", "p2", "def"))
    feed(store, ev.toolPart("s", "m1", "p3", "bash"))
    feed(store, ev.toolPart("s", "m1", "p3", "bash", "x".repeat(100)))
    const e = store.peek("s")!
    expect(e.textBytes).toBe(11 + 6)
    expect(e.toolOutputBytes).toBe(100)
    expect(e.messages.get("m1")!.toolCalls).toBe(1)
  })

  test("todo.updated, session.status and parentID are recorded", async () => {
    const store = makeStore()
    feed(store, ev.created("child", "parent"))
    feed(
      store,
      ev.todos("child", [{ content: "a", status: "completed" }, { content: "b", status: "pending" }, { bogus: 1 } as never]),
    )
    feed(store, ev.status("child", "busy"))
    const e = store.peek("child")!
    expect(e.parentID).toBe("parent")
    expect(e.todos).toEqual([
      { content: "a", status: "completed", priority: undefined },
      { content: "b", status: "pending", priority: undefined },
    ])
    expect(e.status).toBe("busy")
    feed(store, ev.idle("child"))
    expect(e.status).toBe("idle")
  })

  test("multi-MB text, tool output and summary.diffs leave no large string behind", async () => {
    const store = makeStore()
    const big = (c: string, mb: number) => c.repeat(mb * 1024 * 1024)
    const diffs = [
      { file: "build/build.ninja", before: big("a", 3), after: big("b", 3), additions: 1, deletions: 1 },
      { file: "build/log.yaml", before: big("c", 1), after: big("d", 1), additions: 1, deletions: 1 },
    ]
    for (let turn = 0; turn < 3; turn++) feed(store, ev.user("s", "msg_001", { summary: { diffs } }))
    feed(store, ev.textPart("s", "msg_002", "p1", big("t", 2)))
    feed(store, ev.toolPart("s", "msg_002", "p2", "bash", big("o", 4)))
    feed(store, ev.delta("s", "msg_002", "p3", big("d", 1)))
    const e = store.peek("s")!
    expect(e.diffBodyBytes).toBe(8 * 1024 * 1024) // replaced on each update, not added
    expect(e.toolOutputBytes).toBe(4 * 1024 * 1024)
    expect(e.largest[0]).toEqual({ kind: "diff", label: "build/build.ninja", bytes: 6 * 1024 * 1024 })
    // Walk everything reachable from the entry: no string longer than 1 KB survives.
    expect(longestReachableString(e)).toBeLessThan(1024)
    expect(e.estimate().store).toBeLessThan(16 * 1024)
  })

  test("OpenCode 1.18.33's diff form (a patch string) is measured too", async () => {
    const store = makeStore()
    feed(
      store,
      ev.user("s", "msg_001", {
        summary: {
          diffs: [{ file: "build/gen.log", patch: "+x\n".repeat(1000), additions: 1000, deletions: 0, status: "added" }],
        },
      }),
    )
    expect(store.peek("s")!.diffBodyBytes).toBe(3000)
    expect(store.peek("s")!.largest[0]!.label).toBe("build/gen.log")
  })

  test("message.removed drops the record; events without a session are ignored", async () => {
    const store = makeStore()
    feed(store, ev.assistant("s", "msg_001", { input: 1 }))
    feed(store, ev.removed("s", "msg_001"))
    expect(store.peek("s")!.messages.size).toBe(0)
    expect(parseEvent({ type: "server.connected", properties: {} })).toBeUndefined()
    const sessionless = parseEvent({ type: "session.error", properties: { error: { name: "APIError" } } })!
    expect(sessionless).toEqual({ type: "session.error", sessionID: undefined, errorName: "APIError", errorMessage: undefined })
    expect(ingest(store, sessionless, 0)).toBeUndefined()
    expect(store.size).toBe(1)
  })
})
