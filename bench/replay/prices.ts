/**
 * Price tables the bench bills with, in dollars per million tokens, and how a request's
 * usage turns into dollars. `cacheWrite` is what a token written to the cache costs;
 * without a cache every prompt token is input.
 */
export interface PriceTable {
  name: string
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

export const PRICE_TABLES = {
  // Anthropic Sonnet-class: reads 0.1x, 5-minute writes 1.25x of input.
  sonnet: { name: "Sonnet-class (3 / 15, read 0.30, write 3.75)", input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
  // An OpenAI model with cached input at 0.1x and no write premium.
  openai: { name: "OpenAI-class (1.25 / 10, cached 0.125)", input: 1.25, output: 10, cacheRead: 0.125, cacheWrite: 1.25 },
  // No prompt cache at all.
  nocache: { name: "no cache (3 / 15)", input: 3, output: 15, cacheRead: 3, cacheWrite: 3 },
} satisfies Record<string, PriceTable>

export interface Usage {
  input: number
  cacheRead: number
  cacheWrite: number
  output: number
}

export function dollars(u: Usage, p: PriceTable): number {
  return (u.input * p.input + u.cacheRead * p.cacheRead + u.cacheWrite * p.cacheWrite + u.output * p.output) / 1e6
}
