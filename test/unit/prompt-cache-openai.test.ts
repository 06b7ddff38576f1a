/** The OpenAI prompt-cache model and the token estimate (testkit/prompt-cache), on fake time. */
import { describe, expect, test } from "bun:test"
import { estimateTokens, OpenAIPromptCache, type PromptBlock } from "../../testkit/prompt-cache"

const MIN = 60_000

function setup(opts: { ttlMs?: number; minTokens?: number; step?: number } = {}) {
  let t = 1_700_000_000_000
  const cache = new OpenAIPromptCache({ now: () => t, ...opts })
  return { cache, advance: (ms: number) => (t += ms) }
}

function run(name: string, sizes: number[]): PromptBlock[] {
  return sizes.map((tokens, i) => ({ key: `${name}${i}`, tokens }))
}

describe("estimateTokens", () => {
  test("is ceil(chars / 4)", () => {
    expect([estimateTokens(""), estimateTokens("a"), estimateTokens("abcd"), estimateTokens("abcde")]).toEqual([0, 1, 1, 2])
  })
})

describe("OpenAIPromptCache", () => {
  test("the first request caches nothing and pays no write premium", () => {
    const { cache } = setup()
    expect(cache.request(run("b", [1000, 1000])).usage).toEqual({
      prompt_tokens: 2000,
      prompt_tokens_details: { cached_tokens: 0 },
    })
  })

  test("a repeated prefix is cached in 128-token steps from 1024", () => {
    const { cache } = setup()
    cache.request(run("b", [1500, 10]))
    const r = cache.request([...run("b", [1500]), { key: "new", tokens: 500 }])
    expect(r.matchedTokens).toBe(1500)
    expect(r.usage.prompt_tokens_details.cached_tokens).toBe(1024 + 3 * 128)
    const { cache: exact } = setup()
    exact.request(run("c", [1024 + 128]))
    expect(exact.request([...run("c", [1024 + 128]), { key: "new", tokens: 2 }]).usage.prompt_tokens_details.cached_tokens).toBe(
      1152,
    )
    const { cache: below } = setup()
    below.request(run("d", [1023]))
    expect(below.request([...run("d", [1023]), { key: "new", tokens: 6 }]).usage.prompt_tokens_details.cached_tokens).toBe(0)
  })

  test("the common prefix stops at the first changed block", () => {
    const { cache } = setup()
    cache.request(run("b", [800, 800, 800, 800]))
    const changed = run("b", [800, 800, 800, 800]).map((b, i) => (i === 2 ? { ...b, key: "edited" } : b))
    const r = cache.request(changed)
    expect(r.matchedBlocks).toBe(2)
    expect(r.usage.prompt_tokens_details.cached_tokens).toBe(1536)
  })

  test("an idle prefix is gone after the TTL; use refreshes it", () => {
    const { cache, advance } = setup({ ttlMs: 5 * MIN })
    const prompt = run("b", [2048])
    cache.request(prompt)
    advance(4 * MIN)
    expect(cache.request(prompt).usage.prompt_tokens_details.cached_tokens).toBe(2048)
    advance(4 * MIN)
    expect(cache.request(prompt).usage.prompt_tokens_details.cached_tokens).toBe(2048)
    advance(5 * MIN)
    const r = cache.request(prompt)
    expect(r.usage.prompt_tokens_details.cached_tokens).toBe(0)
    expect(r.entriesExpired).toBe(1)
    const { cache: long, advance: wait } = setup({ ttlMs: 10 * MIN })
    long.request(prompt)
    wait(8 * MIN)
    expect(long.request(prompt).usage.prompt_tokens_details.cached_tokens).toBe(2048)
  })

  test("breakpoints do not matter, scopes do", () => {
    const { cache } = setup()
    cache.request(run("b", [2000]), "m1")
    expect(cache.request([{ key: "b0", tokens: 2000, breakpoint: "5m" }], "m1").usage.prompt_tokens_details.cached_tokens).toBe(
      1920,
    )
    expect(cache.request(run("b", [2000]), "m2").usage.prompt_tokens_details.cached_tokens).toBe(0)
  })
})
