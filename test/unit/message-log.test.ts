import { describe, expect, test } from "bun:test"
import { MessageLog, type MessageRecord } from "../../src/cache/message-log"

const rec = (id: string): MessageRecord => ({
  id,
  role: "assistant",
  textBytes: 0,
  toolOutputBytes: 0,
  diffBodyBytes: 0,
  diffFiles: 0,
  toolCalls: 0,
})
// OpenCode ids sort in creation order; zero-padding gives the same property here.
const id = (n: number) => `msg_${String(n).padStart(6, "0")}`

describe("MessageLog cap with hysteresis", () => {
  test("does not trim until cap + hysteresis is exceeded, then trims back to cap", () => {
    const log = new MessageLog({ cap: 10, hysteresis: 5 })
    for (let i = 0; i < 15; i++) log.upsert(id(i), () => rec(id(i)))
    expect(log.size).toBe(15)
    expect(log.anchor).toBeUndefined()
    log.upsert(id(15), () => rec(id(15)))
    expect(log.size).toBe(10)
    expect(log.anchor).toBe(id(6))
    expect(log.trimmed).toBe(6)
    expect(log.values()[0]!.id).toBe(id(6))
  })

  test("the boundary moves only every `hysteresis` messages, not on every message", () => {
    const log = new MessageLog({ cap: 10, hysteresis: 5 })
    const anchors = new Set<string | undefined>()
    for (let i = 0; i < 60; i++) {
      log.upsert(id(i), () => rec(id(i)))
      anchors.add(log.anchor)
    }
    // 60 messages, trims at 16, 22, 28, ...: about one move per 6 messages
    expect(anchors.size).toBeLessThanOrEqual(60 / 6 + 1)
    expect(log.size).toBeLessThanOrEqual(15)
  })

  test("a late update for a message older than the anchor is not re-added", () => {
    const log = new MessageLog({ cap: 4, hysteresis: 2 })
    for (let i = 0; i < 7; i++) log.upsert(id(i), () => rec(id(i)))
    expect(log.anchor).toBe(id(3))
    const again = log.upsert(id(1), () => rec(id(1)))
    expect(again).toBeUndefined()
    expect(log.get(id(1))).toBeUndefined()
    expect(log.ignoredBeforeAnchor).toBe(1)
    expect(log.size).toBe(4)
  })

  test("the anchor survives message.removed of the anchor message and of others", () => {
    const log = new MessageLog({ cap: 4, hysteresis: 2 })
    for (let i = 0; i < 7; i++) log.upsert(id(i), () => rec(id(i)))
    const anchor = log.anchor
    expect(log.remove(id(3))).toBe(true) // the anchor message itself
    expect(log.remove(id(5))).toBe(true)
    expect(log.anchor).toBe(anchor!)
    // a count-based window would now re-admit older ids; the anchored one does not
    expect(log.upsert(id(2), () => rec(id(2)))).toBeUndefined()
    // and newer messages keep coming in without the boundary moving
    log.upsert(id(7), () => rec(id(7)))
    expect(log.anchor).toBe(anchor!)
    expect(log.values().map((r) => r.id)).toEqual([id(4), id(6), id(7)])
  })

  test("latest() finds the newest matching record", () => {
    const log = new MessageLog({ cap: 100, hysteresis: 10 })
    for (let i = 0; i < 5; i++) log.upsert(id(i), () => ({ ...rec(id(i)), role: i % 2 ? "user" : "assistant" }))
    expect(log.latest((r) => r.role === "user")!.id).toBe(id(3))
  })
})
