/**
 * Bills each outgoing request with a prompt-cache model from testkit/prompt-cache (the
 * same models the scripted servers answer with), on the replay's own clock:
 * - "anthropic": Anthropic's cache with OpenCode's breakpoints (system, last two messages),
 *   lookback and TTL, at Sonnet-class prices;
 * - "prefix": a cache that keeps every prefix it saw (a change rewrites everything after
 *   the first changed block, written at the write price), at Sonnet-class prices;
 * - "openai": OpenAI's automatic prefix cache (1,024-token minimum, 128-token steps, no write
 *   premium), at OpenAI-class prices;
 * - "nocache": every prompt token is input.
 */
import { AnthropicPromptCache, anthropicRequestBlocks, OpenAIPromptCache, openaiRequestBlocks } from "../../testkit/prompt-cache"
import { dollars, PRICE_TABLES, type PriceTable, type Usage } from "./prices"
import { anthropicBody, openaiBody } from "./request-body"

export type CacheView = "anthropic" | "prefix" | "openai" | "nocache"
export const CACHE_VIEWS: CacheView[] = ["anthropic", "prefix", "openai", "nocache"]

/** The provider and model each view's requests go to, as the plugin sees them in chat.params. */
export const VIEW_MODELS: Record<CacheView, { providerID: string; modelID: string }> = {
  anthropic: { providerID: "anthropic", modelID: "claude-sonnet-4-5" },
  prefix: { providerID: "replay", modelID: "prefix-cached-model" },
  openai: { providerID: "openai", modelID: "gpt-5" },
  nocache: { providerID: "replay", modelID: "uncached-model" },
}

export interface Biller {
  view: CacheView
  prices: PriceTable
  bill(system: string, messages: unknown[], outputTokens: number): Usage & { total: number }
}

export function createBiller(view: CacheView, now: () => number): Biller {
  const model = "replay-model"
  if (view === "anthropic") {
    const cache = new AnthropicPromptCache({ now })
    return {
      view,
      prices: PRICE_TABLES.sonnet,
      bill(system, messages, output) {
        const { usage, totalTokens } = cache.request(
          anthropicRequestBlocks(anthropicBody(system, messages as never, model)),
          model,
        )
        return {
          input: usage.input_tokens,
          cacheRead: usage.cache_read_input_tokens,
          cacheWrite: usage.cache_creation_input_tokens,
          output,
          total: totalTokens,
        }
      },
    }
  }
  const prefix = view === "prefix"
  const cache = new OpenAIPromptCache(prefix ? { now, minTokens: 0, step: 1 } : { now })
  return {
    view,
    prices: view === "openai" ? PRICE_TABLES.openai : view === "nocache" ? PRICE_TABLES.nocache : PRICE_TABLES.sonnet,
    bill(system, messages, output) {
      const { usage } = cache.request(openaiRequestBlocks(openaiBody(system, messages as never, model)))
      const cached = view === "nocache" ? 0 : usage.prompt_tokens_details.cached_tokens
      const rest = usage.prompt_tokens - cached
      return prefix
        ? { input: 0, cacheRead: cached, cacheWrite: rest, output, total: usage.prompt_tokens }
        : { input: rest, cacheRead: cached, cacheWrite: 0, output, total: usage.prompt_tokens }
    },
  }
}

export { dollars }
