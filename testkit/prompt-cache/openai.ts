/**
 * OpenAI's automatic prompt cache, as its documentation describes it, on an injected clock.
 *
 * - Every request leaves its prefixes in the cache, with no write premium.
 * - The cached part of a request is its longest prefix that a recent request (within
 *   `ttlMs` of that request's last use) also had, counted at block boundaries, then rounded
 *   down to `minTokens` + a multiple of `step` tokens (1024, 1152, 1280, ...); below
 *   `minTokens`, nothing is cached.
 * - Reuse refreshes the prefix's time.
 *
 * Coarser than the real one in one way: a block that changed part-way counts as changed
 * from its start (the real cache would still match its first tokens). Not modelled: the
 * routing by `prompt_cache_key`, the 24 h extended retention, eviction under load.
 */
import { type PromptBlock, prefixKeys, prefixTokens } from "./blocks"

export interface OpenAICacheOptions {
  now: () => number
  /** Shortest prompt that can be cached, in tokens. */
  minTokens?: number
  /** Cached tokens come in steps of this many above minTokens. */
  step?: number
  /** How long a prefix stays after its last use (OpenAI: 5 to 10 minutes idle). */
  ttlMs?: number
}

/** Usage as the chat completions API names it (completion tokens are the caller's). */
export interface OpenAIUsage {
  prompt_tokens: number
  prompt_tokens_details: { cached_tokens: number }
}

export interface OpenAICacheReport {
  usage: OpenAIUsage
  /** Leading blocks a recent request had too. */
  matchedBlocks: number
  /** Their tokens, before rounding down to the step. */
  matchedTokens: number
  totalTokens: number
  /** Prefixes found expired and dropped during this request. */
  entriesExpired: number
}

export class OpenAIPromptCache {
  private readonly seen = new Map<string, number>()
  private readonly now: () => number
  private readonly minTokens: number
  private readonly step: number
  private readonly ttlMs: number

  constructor(opts: OpenAICacheOptions) {
    this.now = opts.now
    this.minTokens = Math.max(0, opts.minTokens ?? 1024)
    this.step = Math.max(1, Math.floor(opts.step ?? 128))
    this.ttlMs = Math.max(0, opts.ttlMs ?? 5 * 60_000)
  }

  /** Prefixes held (after dropping expired ones). */
  get size(): number {
    this.dropExpired(this.now())
    return this.seen.size
  }

  clear(): void {
    this.seen.clear()
  }

  /** Bills one request (its breakpoints ignored) and leaves its prefixes in the cache. */
  request(blocks: readonly PromptBlock[], scope = ""): OpenAICacheReport {
    const now = this.now()
    const expired = this.dropExpired(now)
    const keys = prefixKeys(blocks, scope)
    const ends = prefixTokens(blocks)
    let matched = 0
    while (matched < keys.length && this.seen.has(keys[matched]!)) matched++
    const matchedTokens = matched > 0 ? ends[matched - 1]! : 0
    const cached = this.cacheable(matchedTokens)
    for (const k of keys) this.seen.set(k, now + this.ttlMs)
    return {
      usage: { prompt_tokens: ends.at(-1) ?? 0, prompt_tokens_details: { cached_tokens: cached } },
      matchedBlocks: matched,
      matchedTokens,
      totalTokens: ends.at(-1) ?? 0,
      entriesExpired: expired,
    }
  }

  /** What of a matched prefix of this many tokens is billed as cached: 0, or minTokens + k * step. */
  cacheable(tokens: number): number {
    return tokens < this.minTokens ? 0 : this.minTokens + Math.floor((tokens - this.minTokens) / this.step) * this.step
  }

  private dropExpired(now: number): number {
    let n = 0
    for (const [k, until] of this.seen)
      if (until <= now) {
        this.seen.delete(k)
        n++
      }
    return n
  }
}
