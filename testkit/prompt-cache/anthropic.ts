/**
 * Anthropic's prompt cache, as its documentation describes it, on an injected clock.
 *
 * - The prompt is blocks in cache order: tools, system blocks, message content blocks.
 * - At most `maxBreakpoints` (4) blocks carry `cache_control`; more is a 400.
 * - A 1 h breakpoint may not follow a 5 min one (longer TTLs first); else a 400.
 * - Each breakpoint whose prefix reaches `minTokens` gets an entry for the prefix ending
 *   there, keyed by a chained hash of every block up to it.
 * - Lookup: from each breakpoint, the prefixes ending at it and at earlier block boundaries,
 *   `lookback` positions in all (the breakpoint's own counts), newest first; the longest
 *   entry found over all breakpoints is read.
 * - Usage: read = tokens up to the hit; written = tokens from there to the last breakpoint
 *   that gets an entry; input = the rest (after that breakpoint, or all of it when none).
 * - A hit refreshes the entry it read, and the entries at this request's other breakpoints
 *   inside the read part (their content was read too), each with its own TTL. An entry
 *   whose time is up (expiresAt <= now) is gone.
 *
 * Not modelled: eviction under load, the organisation/workspace scope, thinking blocks the
 * API strips from earlier turns (a caller can leave them out of the blocks).
 */
import { type CacheTtl, type PromptBlock, prefixKeys, prefixTokens, TTL_MS } from "./blocks"

export interface AnthropicCacheOptions {
  /** ms since epoch; the test's clock. */
  now: () => number
  /** Shortest cacheable prefix in tokens (1024 for Sonnet-class models, 2048-4096 for others). */
  minTokens?: number
  /** Prefix positions looked at per breakpoint, its own included (about 20 at Anthropic). */
  lookback?: number
  /** Most `cache_control` blocks a request may carry (4 at Anthropic). */
  maxBreakpoints?: number
}

/** Usage as the Messages API names it. */
export interface AnthropicUsage {
  input_tokens: number
  cache_creation_input_tokens: number
  cache_read_input_tokens: number
  cache_creation: { ephemeral_5m_input_tokens: number; ephemeral_1h_input_tokens: number }
}

export interface AnthropicCacheReport {
  usage: AnthropicUsage
  /** Indexes of the blocks that carried a breakpoint. */
  breakpoints: number[]
  /** Leading blocks read from the cache: blocks [0, readBlocks) (0: nothing read). */
  readBlocks: number
  /** Blocks [readBlocks, writtenBlocks) were written (writtenBlocks = readBlocks: none). */
  writtenBlocks: number
  /** `at` of the last block read, when one was. */
  readUpTo?: string
  totalTokens: number
  /** Entries this request created, refreshed, and found expired and dropped. */
  entriesWritten: number
  entriesRefreshed: number
  entriesExpired: number
}

/** A request the API refuses: answer it with `status` and `{ type: "error", error: { type, message } }`. */
export class PromptCacheRequestError extends Error {
  readonly status = 400
  readonly type = "invalid_request_error"
}

interface Entry {
  expiresAt: number
  ttl: CacheTtl
}

export class AnthropicPromptCache {
  private readonly entries = new Map<string, Entry>()
  private readonly now: () => number
  private readonly minTokens: number
  private readonly lookback: number
  private readonly maxBreakpoints: number

  constructor(opts: AnthropicCacheOptions) {
    this.now = opts.now
    this.minTokens = Math.max(0, opts.minTokens ?? 1024)
    this.lookback = Math.max(1, Math.floor(opts.lookback ?? 20))
    this.maxBreakpoints = Math.max(0, Math.floor(opts.maxBreakpoints ?? 4))
  }

  /** Live entries (after dropping expired ones). */
  get size(): number {
    this.dropExpired(this.now())
    return this.entries.size
  }

  clear(): void {
    this.entries.clear()
  }

  /** Bills one request and updates the cache. Throws PromptCacheRequestError for what Anthropic refuses. */
  request(blocks: readonly PromptBlock[], scope = ""): AnthropicCacheReport {
    const breakpoints = blocks.flatMap((b, i) => (b.breakpoint ? [i] : []))
    if (breakpoints.length > this.maxBreakpoints)
      throw new PromptCacheRequestError(
        `A maximum of ${this.maxBreakpoints} blocks with cache_control may be provided. Found ${breakpoints.length}.`,
      )
    const firstShort = breakpoints.findIndex((i) => blocks[i]!.breakpoint === "5m")
    if (firstShort >= 0 && breakpoints.slice(firstShort).some((i) => blocks[i]!.breakpoint === "1h"))
      throw new PromptCacheRequestError('a cache_control with ttl "1h" must not come after one with ttl "5m"')

    const now = this.now()
    const expired = this.dropExpired(now)
    const keys = prefixKeys(blocks, scope)
    const ends = prefixTokens(blocks)
    const total = ends.at(-1) ?? 0

    let hit = -1
    for (const bp of breakpoints) {
      for (let j = bp; j >= 0 && j > bp - this.lookback; j--) {
        if (this.entries.has(keys[j]!)) {
          hit = Math.max(hit, j)
          break
        }
      }
    }
    const read = hit >= 0 ? ends[hit]! : 0

    let refreshed = 0
    for (const i of hit >= 0 ? [hit, ...breakpoints.filter((b) => b < hit)] : []) {
      const e = this.entries.get(keys[i]!)
      if (!e) continue
      e.expiresAt = now + TTL_MS[e.ttl]
      refreshed++
    }

    let written = 0
    let lastWritten = hit
    const creation = { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 }
    for (const bp of breakpoints) {
      if (bp <= hit || ends[bp]! < this.minTokens) continue
      const ttl = blocks[bp]!.breakpoint!
      const segment = ends[bp]! - (lastWritten >= 0 ? ends[lastWritten]! : 0)
      if (ttl === "1h") creation.ephemeral_1h_input_tokens += segment
      else creation.ephemeral_5m_input_tokens += segment
      this.entries.set(keys[bp]!, { expiresAt: now + TTL_MS[ttl], ttl })
      written++
      lastWritten = bp
    }
    const write = creation.ephemeral_5m_input_tokens + creation.ephemeral_1h_input_tokens
    return {
      usage: {
        input_tokens: total - read - write,
        cache_creation_input_tokens: write,
        cache_read_input_tokens: read,
        cache_creation: creation,
      },
      breakpoints,
      readBlocks: hit + 1,
      writtenBlocks: lastWritten + 1,
      ...(hit >= 0 && blocks[hit]!.at !== undefined ? { readUpTo: blocks[hit]!.at } : {}),
      totalTokens: total,
      entriesWritten: written,
      entriesRefreshed: refreshed,
      entriesExpired: expired,
    }
  }

  private dropExpired(now: number): number {
    let n = 0
    for (const [k, e] of this.entries)
      if (e.expiresAt <= now) {
        this.entries.delete(k)
        n++
      }
    return n
  }
}
