/**
 * The model's prices, in dollars per million tokens, as OpenCode's catalogue gives them
 * to chat.params (`model.cost.input`, `.output`, `.cache.read`, `.cache.write`). Leaf.
 *
 * "Prompt cache" here is always the provider's cache of the request prefix; the plugin's
 * own per-session store is "the session store" (src/cache/).
 */
import { num, rec } from "../events/json"

export interface Prices {
  input: number
  output: number
  /** a prompt token read from the provider's prompt cache */
  cacheRead: number
  /** a prompt token written to it */
  cacheWrite: number
}

/**
 * Used when the catalogue gives no prices (a local or custom model): an Anthropic
 * Sonnet-class model, whose cache reads cost 0.1x and writes 1.25x of input. Decisions
 * depend only on the ratios; dollars shown with these prices say "estimated".
 */
export const DEFAULT_PRICES: Prices = Object.freeze({ input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 })

const MAX_PRICE = 1_000_000

function price(v: unknown): number | undefined {
  const n = num(v)
  return n !== undefined && n >= 0 && n <= MAX_PRICE ? n : undefined
}

/**
 * Prices from a chat.params model object, or undefined when it has none (or only zeros:
 * a free model says nothing about what a prompt-cache miss costs). A model priced without
 * cache prices has no prompt cache: reads and writes cost what input costs.
 */
export function parsePrices(model: unknown): Prices | undefined {
  const cost = rec(rec(model)?.cost)
  if (!cost) return undefined
  const input = price(cost.input)
  const output = price(cost.output) ?? 0
  if (input === undefined || input === 0) return undefined
  const cache = rec(cost.cache)
  const read = price(cache?.read) ?? price(cost.cache_read)
  const write = price(cache?.write) ?? price(cost.cache_write)
  return { input, output, cacheRead: read || input, cacheWrite: write || input }
}

/** What a step cost, at these prices. */
export function stepDollars(
  t: { input: number; output: number; reasoning?: number; cacheRead: number; cacheWrite: number },
  p: Prices,
): number {
  return (
    (t.input * p.input + (t.output + (t.reasoning ?? 0)) * p.output + t.cacheRead * p.cacheRead + t.cacheWrite * p.cacheWrite) /
    1e6
  )
}
