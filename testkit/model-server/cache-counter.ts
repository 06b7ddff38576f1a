/** Counts each request with the prompt-cache models and keeps what they counted on the record. */
import {
  AnthropicPromptCache,
  anthropicRequestBlocks,
  OpenAIPromptCache,
  openaiRequestBlocks,
  PromptCacheRequestError,
} from "../prompt-cache"
import type { CacheRecord, CacheTotals, ModelServerOptions, RecordedRequest } from "./types"

export interface CacheCounter {
  /** Sets `rec.cache` (when a model counts this API); returns the refusal message when the API refuses it. */
  count(rec: RecordedRequest): string | undefined
  totals(requests: RecordedRequest[]): CacheTotals
}

export function createCacheCounter(opts: ModelServerOptions, now: () => number): CacheCounter {
  const anthropic = opts.anthropicCache === false ? undefined : new AnthropicPromptCache({ now, ...(opts.anthropicCache ?? {}) })
  const openai = opts.openaiCache
    ? new OpenAIPromptCache({ now, ...(opts.openaiCache === true ? {} : opts.openaiCache) })
    : undefined
  // What the previous request of each session and kind left in the cache, for `lost`.
  const held = new Map<string, number>()

  return {
    count(rec) {
      const at = now()
      const chain = `${rec.api}\u0000${rec.kind}\u0000${rec.sessionKey}`
      if (rec.api === "anthropic" && anthropic) {
        const blocks = anthropicRequestBlocks(rec.body)
        try {
          const r = anthropic.request(blocks, rec.model)
          const { input_tokens: input, cache_read_input_tokens: read, cache_creation_input_tokens: write } = r.usage
          rec.cache = {
            at,
            totalTokens: r.totalTokens,
            read,
            write,
            input,
            breakpoints: r.breakpoints.map((i) => blocks[i]!.at ?? String(i)),
            blocks: blocks.length,
            readBlocks: r.readBlocks,
            ...(r.readUpTo !== undefined ? { readUpTo: r.readUpTo } : {}),
            lost: Math.max(0, (held.get(chain) ?? 0) - read),
            expired: r.entriesExpired,
            usage: { ...r.usage, cache_creation: { ...r.usage.cache_creation } },
          }
          held.set(chain, read + write)
        } catch (e) {
          if (!(e instanceof PromptCacheRequestError)) throw e
          rec.cache = refused(at, blocks.length, e.message)
          return e.message
        }
      } else if (rec.api === "openai" && openai) {
        const blocks = openaiRequestBlocks(rec.body)
        const r = openai.request(blocks, rec.model)
        const read = r.usage.prompt_tokens_details.cached_tokens
        rec.cache = {
          at,
          totalTokens: r.totalTokens,
          read,
          write: 0,
          input: r.totalTokens - read,
          breakpoints: [],
          blocks: blocks.length,
          readBlocks: r.matchedBlocks,
          lost: Math.max(0, (held.get(chain) ?? 0) - read),
          expired: r.entriesExpired,
          usage: { prompt_tokens: r.usage.prompt_tokens, prompt_tokens_details: { cached_tokens: read } },
        }
        // Everything an OpenAI request sent stays for the next one, as much as can be billed cached.
        held.set(chain, openai.cacheable(r.totalTokens))
      }
      return undefined
    },
    totals(requests) {
      const t: CacheTotals = { requests: 0, read: 0, write: 0, input: 0, busts: 0, lost: 0 }
      for (const r of requests) {
        if (!r.cache || r.cache.error) continue
        t.requests++
        t.read += r.cache.read
        t.write += r.cache.write
        t.input += r.cache.input
        if (r.cache.lost > 0) t.busts++
        t.lost += r.cache.lost
      }
      return t
    },
  }
}

function refused(at: number, blocks: number, error: string): CacheRecord {
  return {
    at,
    totalTokens: 0,
    read: 0,
    write: 0,
    input: 0,
    breakpoints: [],
    blocks,
    readBlocks: 0,
    lost: 0,
    expired: 0,
    usage: {},
    error,
  }
}
