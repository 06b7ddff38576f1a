/** The Anthropic prompt-cache model (testkit/prompt-cache), rule by rule, on fake time. */
import { describe, expect, test } from "bun:test"
import { AnthropicPromptCache, type CacheTtl, type PromptBlock, PromptCacheRequestError } from "../../testkit/prompt-cache"

const MIN = 60_000

function setup(opts: { minTokens?: number; lookback?: number } = {}) {
  let t = 1_700_000_000_000
  const cache = new AnthropicPromptCache({ now: () => t, ...opts })
  return { cache, advance: (ms: number) => (t += ms) }
}

/** n blocks named `${name}0..`, each `tokens` tokens. */
function run(name: string, n: number, tokens = 100): PromptBlock[] {
  return Array.from({ length: n }, (_, i) => ({ key: `${name}${i}`, tokens, at: `${name}${i}` }))
}

function mark(blocks: PromptBlock[], ...at: (number | [number, CacheTtl])[]): PromptBlock[] {
  const out = blocks.map(({ breakpoint: _b, ...b }) => ({ ...b }) as PromptBlock)
  for (const a of at) {
    const [i, ttl] = typeof a === "number" ? [a, "5m" as const] : a
    out[i < 0 ? out.length + i : i]!.breakpoint = ttl
  }
  return out
}

describe("AnthropicPromptCache", () => {
  test("a cold request writes up to its last breakpoint, the rest is input; the same prompt then reads it", () => {
    const { cache } = setup()
    const prompt = mark(run("b", 15), 11)
    const cold = cache.request(prompt)
    expect(cold.usage).toEqual({
      input_tokens: 300,
      cache_creation_input_tokens: 1200,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 1200, ephemeral_1h_input_tokens: 0 },
    })
    expect(cold).toMatchObject({ breakpoints: [11], readBlocks: 0, writtenBlocks: 12, entriesWritten: 1 })
    const warm = cache.request(prompt)
    expect(warm.usage).toMatchObject({ input_tokens: 300, cache_creation_input_tokens: 0, cache_read_input_tokens: 1200 })
    expect(warm).toMatchObject({ readBlocks: 12, readUpTo: "b11", writtenBlocks: 12, entriesRefreshed: 1 })
  })

  test("a prefix shorter than the minimum is not cached; from the minimum it is", () => {
    const { cache } = setup()
    const short = mark(run("s", 10, 102), -1) // 1020 tokens
    expect(cache.request(short).usage).toMatchObject({ input_tokens: 1020, cache_creation_input_tokens: 0 })
    expect(cache.request(short).usage.cache_read_input_tokens).toBe(0)
    const exact = mark(run("e", 8, 128), -1) // 1024 tokens
    expect(cache.request(exact).usage.cache_creation_input_tokens).toBe(1024)
    expect(cache.request(exact).usage.cache_read_input_tokens).toBe(1024)
    // The option: a Haiku-class minimum of 2048 leaves the same prompt uncached.
    expect(setup({ minTokens: 2048 }).cache.request(exact).usage.cache_creation_input_tokens).toBe(0)
  })

  test("a breakpoint below the minimum writes nothing, a later one writes from the start", () => {
    const { cache } = setup()
    const r = cache.request(mark(run("b", 20), 4, 14))
    expect(r.usage).toMatchObject({ cache_creation_input_tokens: 1500, input_tokens: 500 })
    expect(r.entriesWritten).toBe(1)
  })

  test("four breakpoints are accepted, a fifth is Anthropic's 400", () => {
    const { cache } = setup()
    expect(cache.request(mark(run("b", 20), 3, 7, 11, 15)).entriesWritten).toBe(2) // 3 and 7 are below 1024 tokens
    let err: unknown
    try {
      cache.request(mark(run("b", 20), 3, 7, 11, 15, 19))
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(PromptCacheRequestError)
    expect((err as PromptCacheRequestError).status).toBe(400)
    expect((err as Error).message).toBe("A maximum of 4 blocks with cache_control may be provided. Found 5.")
  })

  test("lookback: an entry 19 blocks before the breakpoint is found, 20 blocks before is not", () => {
    const { cache } = setup()
    const long = run("b", 60)
    cache.request(mark(long.slice(0, 12), -1)) // entry at block 11
    const near = cache.request(mark(long.slice(0, 31), -1)) // breakpoint at 30: looks at 30..11
    expect(near.usage).toMatchObject({ cache_read_input_tokens: 1200, cache_creation_input_tokens: 1900 })
    const { cache: other } = setup()
    other.request(mark(long.slice(0, 12), -1))
    const far = other.request(mark(long.slice(0, 32), -1)) // breakpoint at 31: looks at 31..12
    expect(far.usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 3200 })
    // A second breakpoint brings the old entry back into reach: what a fallback anchor is for.
    const { cache: anchored } = setup()
    anchored.request(mark(long.slice(0, 12), -1))
    expect(anchored.request(mark(long.slice(0, 32), 20, -1)).usage.cache_read_input_tokens).toBe(1200)
  })

  test("the lookback is an option", () => {
    const { cache } = setup({ lookback: 5 })
    const long = run("b", 30)
    cache.request(mark(long.slice(0, 12), -1))
    expect(cache.request(mark(long.slice(0, 17), -1)).usage.cache_read_input_tokens).toBe(0)
    const { cache: wide } = setup({ lookback: 6 })
    wide.request(mark(long.slice(0, 12), -1))
    expect(wide.request(mark(long.slice(0, 17), -1)).usage.cache_read_input_tokens).toBe(1200)
  })

  test("5-minute TTL: each hit refreshes it; five idle minutes drop the entry", () => {
    const { cache, advance } = setup()
    const prompt = mark(run("b", 12), -1)
    cache.request(prompt)
    advance(4 * MIN)
    expect(cache.request(prompt).usage.cache_read_input_tokens).toBe(1200)
    advance(4 * MIN) // 8 minutes after the write, 4 after the refresh
    expect(cache.request(prompt).usage.cache_read_input_tokens).toBe(1200)
    advance(5 * MIN - 1)
    expect(cache.request(prompt).usage.cache_read_input_tokens).toBe(1200)
    advance(5 * MIN)
    const cold = cache.request(prompt)
    expect(cold.usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 1200 })
    expect(cold.entriesExpired).toBe(1)
  })

  test("1-hour TTL: a 12-minute pause still reads, an idle hour does not; writes are counted as 1 h", () => {
    const { cache, advance } = setup()
    const prompt = mark(run("b", 12), [11, "1h"])
    expect(cache.request(prompt).usage.cache_creation).toEqual({ ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 1200 })
    advance(12 * MIN)
    expect(cache.request(prompt).usage.cache_read_input_tokens).toBe(1200)
    advance(60 * MIN)
    expect(cache.request(prompt).usage.cache_read_input_tokens).toBe(0)
  })

  test("mixed TTLs: each written segment counts at its breakpoint's TTL; a 1 h mark after a 5 min one is a 400", () => {
    const { cache } = setup()
    const r = cache.request(mark(run("b", 25), [11, "1h"], 19))
    expect(r.usage.cache_creation).toEqual({ ephemeral_5m_input_tokens: 800, ephemeral_1h_input_tokens: 1200 })
    expect(() => cache.request(mark(run("b", 25), 11, [19, "1h"]))).toThrow(PromptCacheRequestError)
  })

  test("a changed block busts everything after it; what precedes it at a breakpoint still reads", () => {
    const { cache } = setup()
    const prompt = mark(run("b", 30), 11, -1)
    cache.request(prompt)
    const changed = prompt.map((b, i) => (i === 20 ? { ...b, key: "edited" } : b))
    const r = cache.request(changed)
    expect(r.usage).toMatchObject({ cache_read_input_tokens: 1200, cache_creation_input_tokens: 1800, input_tokens: 0 })
    expect(r.readUpTo).toBe("b11")
    const first = prompt.map((b, i) => (i === 0 ? { ...b, key: "edited" } : b))
    expect(cache.request(first).usage).toMatchObject({ cache_read_input_tokens: 0, cache_creation_input_tokens: 3000 })
  })

  test("a mark that moves to the new last block reads the old prefix and writes only what was added", () => {
    const { cache } = setup()
    const all = run("b", 40)
    cache.request(mark(all.slice(0, 15), 2, -1))
    const next = cache.request(mark(all.slice(0, 18), 2, -1))
    expect(next.usage).toMatchObject({ cache_read_input_tokens: 1500, cache_creation_input_tokens: 300, input_tokens: 0 })
  })

  test("a hit on a long prefix keeps the entries at this request's earlier breakpoints alive", () => {
    const { cache, advance } = setup()
    const all = run("b", 40)
    cache.request(mark(all.slice(0, 14), 11, -1)) // entries at 11 and 13
    for (let k = 15; k <= 17; k++) {
      advance(4 * MIN)
      cache.request(mark(all.slice(0, k), 11, -1))
    }
    advance(4 * MIN) // 16 minutes after the entry at 11 was written
    const edited = mark(all.slice(0, 18), 11, -1).map((b, i) => (i === 14 ? { ...b, key: "edited" } : b))
    expect(cache.request(edited).usage.cache_read_input_tokens).toBe(1200)
  })

  test("caches of different scopes (models) do not share", () => {
    const { cache } = setup()
    const prompt = mark(run("b", 12), -1)
    cache.request(prompt, "model-a")
    expect(cache.request(prompt, "model-b").usage.cache_read_input_tokens).toBe(0)
    expect(cache.request(prompt, "model-a").usage.cache_read_input_tokens).toBe(1200)
  })

  test("no breakpoint: everything is input and nothing is kept", () => {
    const { cache } = setup()
    const r = cache.request(run("b", 20))
    expect(r.usage).toMatchObject({ input_tokens: 2000, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 })
    expect(cache.size).toBe(0)
  })
})
