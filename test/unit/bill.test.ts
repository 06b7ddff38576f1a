import { describe, expect, test } from "bun:test"
import { coldness } from "../../src/bill/coldness"
import { billSoFar } from "../../src/bill/estimate"
import { ModelPrices } from "../../src/bill/model-prices"
import { assumedShape, chooseMoment, type MomentInput } from "../../src/bill/moment"
import { DEFAULT_PRICES, parsePrices, stepDollars } from "../../src/bill/prices"

describe("prices", () => {
  test("read from the catalogue model chat.params gets, in either cache spelling", () => {
    expect(parsePrices({ cost: { input: 3, output: 15, cache: { read: 0.3, write: 3.75 } } })).toEqual(DEFAULT_PRICES)
    expect(parsePrices({ cost: { input: 1.25, output: 10, cache_read: 0.125 } })).toEqual({
      input: 1.25,
      output: 10,
      cacheRead: 0.125,
      cacheWrite: 1.25,
    })
    // A model priced without cache prices has no prompt cache.
    expect(parsePrices({ cost: { input: 2, output: 8 } })).toEqual({ input: 2, output: 8, cacheRead: 2, cacheWrite: 2 })
  })

  test("free, missing, negative, absurd or hostile prices are no prices", () => {
    for (const m of [
      undefined,
      {},
      { cost: { input: 0, output: 0 } },
      { cost: { input: -1 } },
      { cost: { input: 1e9 } },
      { cost: "3" },
      JSON.parse('{"__proto__":{"cost":{"input":3}}}'),
    ])
      expect(parsePrices(m)).toBeUndefined()
  })

  test("a step's dollars count reasoning at the output price", () => {
    expect(stepDollars({ input: 1e6, output: 1e6, reasoning: 1e6, cacheRead: 1e6, cacheWrite: 1e6 }, DEFAULT_PRICES)).toBeCloseTo(
      3 + 30 + 0.3 + 3.75,
    )
  })

  test("the registry is bounded and keyed by provider and model", () => {
    const r = new ModelPrices()
    for (let i = 0; i < 5_100; i++) r.learn("p", `m${i}`, { cost: { input: 1, output: 1 } })
    expect(r.size).toBe(5_000)
    expect(r.peek("p", "m0")).toBeUndefined()
    expect(r.peek("p", "m5099")?.input).toBe(1)
  })
})

describe("the moment a lossy change is worth it", () => {
  const base = (over: Partial<MomentInput> = {}): MomentInput => ({
    candidates: [{ at: 90_000, saved: 5_000 }],
    totalTokens: 100_000,
    cold: false,
    shape: "prefix",
    prices: DEFAULT_PRICES,
    horizon: 20,
    budget: 1,
    ...over,
  })

  test("cold: free, whatever it saves", () => {
    const c = chooseMoment(base({ cold: true, candidates: [{ at: 10, saved: 100 }] }))!
    expect(c.cold).toBe(true)
    expect(c.extraDollars).toBeLessThan(0)
  })

  test("warm: made when the saving over the horizon pays for the rewrite, not before", () => {
    // 10 K rewritten to save 5 K: 0.3 * 5 K * 20 = 30 K vs 3.75 * 5 K - 0.3 * 10 K = 15.75 K
    expect(chooseMoment(base())).toBeDefined()
    expect(chooseMoment(base({ horizon: 2 }))).toBeUndefined()
    // the same change at the start of a 100 K request: 3.75 * 95 K - 0.3 * 100 K, far more than 30 K
    expect(chooseMoment(base({ candidates: [{ at: 0, saved: 5_000 }] }))).toBeUndefined()
  })

  test("the cheapest start is found: old small candidates are left for a later moment", () => {
    const c = chooseMoment(
      base({
        candidates: [
          { at: 1_000, saved: 300 },
          { at: 90_000, saved: 5_000 },
          { at: 95_000, saved: 2_000 },
        ],
      }),
    )!
    expect(c.from).toBe(1)
    expect(c.savedTokens).toBe(7_000)
  })

  test("removing nearly all that follows the change costs less than sending it", () => {
    const c = chooseMoment(base({ candidates: [{ at: 50_000, saved: 48_000 }], horizon: 0 }))!
    expect(c.extraDollars).toBeLessThan(0)
  })

  test("from-start: the whole conversation is rewritten wherever the change is", () => {
    expect(chooseMoment(base({ shape: "from-start" }))).toBeUndefined()
    expect(chooseMoment(base({ shape: "from-start", candidates: [{ at: 0, saved: 60_000 }] }))).toBeDefined()
  })

  test("the budget bounds the risk", () => {
    expect(chooseMoment(base({ budget: 0.01 }))).toBeUndefined() // 15.75 K tokens at $3/M: $0.047
    expect(chooseMoment(base({ budget: 0.05 }))).toBeDefined()
  })

  test("without a prompt cache every change pays at once", () => {
    const none = { input: 3, output: 15, cacheRead: 3, cacheWrite: 3 }
    expect(chooseMoment(base({ prices: none, horizon: 0, candidates: [{ at: 0, saved: 10 }] }))).toBeDefined()
  })

  test("Anthropic-family models are assumed to cache only at the last messages", () => {
    expect(assumedShape("anthropic", "claude-sonnet-4-5")).toBe("from-start")
    expect(assumedShape("openrouter", "anthropic/claude-3.7")).toBe("from-start")
    expect(assumedShape("openai", "gpt-5")).toBe("prefix")
    expect(assumedShape(undefined, undefined)).toBe("prefix")
  })
})

describe("is the prompt cache cold", () => {
  const user = (created: number) => ({ info: { role: "user", time: { created } } })
  const answer = (created: number, completed: number) => ({ info: { role: "assistant", time: { created, completed } } })
  const TTL = 300_000

  test("a person who writes after the cache's lifetime finds it cold; sooner, warm", () => {
    expect(coldness([user(0), answer(1_000, 2_000), user(2_000 + TTL + 1)], TTL)).toMatchObject({
      cold: true,
      why: "person-away",
    })
    expect(coldness([user(0), answer(1_000, 2_000), user(2_000 + TTL)], TTL)).toMatchObject({ cold: false, why: "warm" })
  })

  test("within a turn, a step longer than the lifetime was cold; a quick one warm", () => {
    expect(coldness([user(0), answer(1_000, 1_000 + TTL + 1)], TTL).cold).toBe(true)
    expect(coldness([user(0), answer(1_000, 5_000)], TTL).cold).toBe(false)
  })

  test("nothing answered yet is cold; timestamps missing or hostile are taken as warm", () => {
    expect(coldness([user(0)], TTL).why).toBe("no-answer-yet")
    expect(coldness([user(0), { info: { role: "assistant", time: { created: "x" } } }], TTL).cold).toBe(false)
    expect(coldness([{ info: null }, { info: { role: "assistant" } }] as never, TTL).cold).toBe(false)
  })
})

describe("the bill so far", () => {
  test("the provider's usage where the answer has it, an estimate where not", () => {
    const real = { input: 0, output: 100, reasoning: 0, cacheRead: 10_000, cacheWrite: 1_000 }
    const d = billSoFar(
      [
        { before: 4_000, out: 400, tokens: real },
        { before: 8_000, out: 400, tokens: undefined },
      ],
      DEFAULT_PRICES,
    )
    const estimate = (1_000 * 0.3 + 1_000 * 3.75 + 100 * 15) / 1e6
    expect(d).toBeCloseTo(stepDollars(real, DEFAULT_PRICES) + estimate, 9)
  })
})
