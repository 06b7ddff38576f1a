/**
 * What a session's steps have cost so far, from the steps themselves: the provider's
 * usage where the assistant message carries it, otherwise an estimate in characters / 4
 * of what an append-only conversation with a warm prompt cache pays (the earlier context
 * read, the new part written, the answer at the output price).
 */
import { type Prices, stepDollars } from "./prices"

export interface StepCost {
  /** characters of the request before this answer */
  before: number
  /** characters of the answer */
  out: number
  tokens: { input: number; output: number; reasoning: number; cacheRead: number; cacheWrite: number } | undefined
}

export function billSoFar(steps: readonly StepCost[], prices: Prices): number {
  let total = 0
  let prev = 0
  for (const s of steps) {
    if (s.tokens) total += stepDollars(s.tokens, prices)
    else {
      const read = prev / 4
      const written = Math.max(0, s.before - prev) / 4
      total += (read * prices.cacheRead + written * prices.cacheWrite + (s.out / 4) * prices.output) / 1e6
    }
    prev = s.before
  }
  return total
}
