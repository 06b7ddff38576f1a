import { describe, expect, test } from "bun:test"
import { CacheLessons } from "../../src/hooks/context-pruning/lessons"
import type { MomentRecord } from "../../src/hooks/context-pruning/state"
import type { Walk } from "../../src/hooks/context-pruning/walk"

const moment = (over: Partial<MomentRecord> = {}): MomentRecord => ({
  request: 30,
  cold: false,
  parts: 3,
  chars: 40_000,
  extraDollars: 0.01,
  netDollars: 0.02,
  afterAnswer: "msg_a",
  // 10 K tokens of system prompt and tools, 40 K of conversation
  readBefore: 50_000,
  keptShare: 0.8,
  totalTokens: 40_000,
  gapMs: undefined,
  learnt: false,
  ...over,
})
const walkWith = (read: number) =>
  ({
    steps: [
      { id: "msg_a", before: 0, out: 0, tokens: { input: 0, output: 0, reasoning: 0, cacheRead: 50_000, cacheWrite: 0 } },
      { id: "msg_b", before: 0, out: 0, tokens: { input: 0, output: 0, reasoning: 0, cacheRead: read, cacheWrite: 8_000 } },
    ],
  }) as unknown as Walk

describe("what the answers teach about the prompt cache", () => {
  test("a read that fell to the system prompt after a warm change: the cache keeps entries at the last messages only", () => {
    const l = new CacheLessons()
    expect(l.learn(moment(), walkWith(10_500), "p/m", 300_000)).toBe(true)
    expect(l.shapeOf("p/m", "prefix")).toBe("from-start")
  })

  test("a read that kept the part before the change: nothing to learn, and an assumed from-start is never relaxed", () => {
    const l = new CacheLessons()
    l.learn(moment(), walkWith(42_000), "p/m", 300_000)
    expect(l.shapeOf("p/m", "prefix")).toBe("prefix")
    expect(l.shapeOf("p/m", "from-start")).toBe("from-start")
  })

  test("no answer yet: not learnt, asked again; a change near the start teaches nothing", () => {
    const l = new CacheLessons()
    expect(l.learn(moment({ afterAnswer: "msg_b" }), walkWith(10_000), "p/m", 300_000)).toBe(false)
    l.learn(moment({ keptShare: 0.2 }), walkWith(10_500), "p/m", 300_000)
    expect(l.shapeOf("p/m", "prefix")).toBe("prefix")
  })

  test("a 'cold' moment whose answer still read most of the cache: this model's cache lives longer", () => {
    const l = new CacheLessons()
    l.learn(moment({ cold: true, gapMs: 6 * 60_000 }), walkWith(40_000), "openai/gpt-5", 300_000)
    expect(l.ttlOf("openai/gpt-5", 300_000)).toBe(10 * 60_000)
    l.learn(moment({ cold: true, gapMs: 6 * 60_000 }), walkWith(0), "other/m", 300_000)
    expect(l.ttlOf("other/m", 300_000)).toBe(300_000)
  })
})
