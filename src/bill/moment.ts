/**
 * Is this request a moment worth a lossy change? The cost model pruning asks (pure).
 *
 * A change to part of the request makes the provider's prompt cache miss from the first
 * changed part on (shape "prefix"), or from the first message on where the cache is only
 * kept at the request's last messages (shape "from-start": Anthropic with OpenCode's
 * breakpoints, learnt from what the provider reports). What follows the change is written
 * again at the write price instead of read at the read price; in exchange every later
 * request reads the saved tokens no more. When the cache is cold anyway (the person was
 * away past its lifetime), everything is written regardless, so the change is free.
 */
import type { Prices } from "./prices"

export type CacheShape = "prefix" | "from-start"

/**
 * The shape to assume before any answer has shown it. OpenCode marks cache breakpoints
 * only on the system prompt and the last two messages, and only for Anthropic-family
 * models (its provider transform's own test: the provider or model id names anthropic or
 * claude); Anthropic looks back about 20 blocks from each mark, so a change further back
 * is a miss from the first message on. Every other provider caches prefixes by itself.
 */
export function assumedShape(providerID: string | undefined, modelID: string | undefined): CacheShape {
  return /anthropic|claude/i.test(`${providerID ?? ""} ${modelID ?? ""}`) ? "from-start" : "prefix"
}

export interface Candidate {
  /** tokens before this part in the request (everything the provider reads first) */
  at: number
  /** tokens the change saves on every later request */
  saved: number
}

export interface MomentInput {
  /** in request order */
  candidates: readonly Candidate[]
  /** tokens of the whole request as sent before the change */
  totalTokens: number
  cold: boolean
  shape: CacheShape
  prices: Prices
  /** how many more requests the saving is counted for */
  horizon: number
  /** most dollars a change may cost more than it saves at once (the session's risk) */
  budget: number
}

export interface MomentChoice {
  /** apply candidates[from..]: the cheapest place to start is found, not assumed */
  from: number
  savedTokens: number
  /** tokens written again because of the change */
  rewriteTokens: number
  /** dollars this request costs more than without the change (negative: it costs less) */
  extraDollars: number
  /** expected dollars saved over the horizon, after the extra cost */
  netDollars: number
  cold: boolean
}

/** A change must promise this much more than it costs: the estimates are in chars / 4. */
const MARGIN = 1.25

export function chooseMoment(m: MomentInput): MomentChoice | undefined {
  const n = m.candidates.length
  if (n === 0) return undefined
  const { cacheRead: pr, cacheWrite: pw } = m.prices
  const suffixSaved = new Array<number>(n + 1).fill(0)
  for (let i = n - 1; i >= 0; i--) suffixSaved[i] = suffixSaved[i + 1]! + Math.max(0, m.candidates[i]!.saved)
  if (m.cold) {
    const saved = suffixSaved[0]!
    if (saved <= 0) return undefined
    return {
      from: 0,
      savedTokens: saved,
      rewriteTokens: 0,
      extraDollars: (-pw * saved) / 1e6,
      netDollars: (pr * saved * m.horizon + pw * saved) / 1e6,
      cold: true,
    }
  }
  let best: MomentChoice | undefined
  for (let j = 0; j < n; j++) {
    const saved = suffixSaved[j]!
    if (saved <= 0) break
    const rewrite = rewriteTokens(m.shape, m.totalTokens, m.candidates[j]!.at)
    const extra = extraDollars(pr, pw, rewrite, saved)
    const gain = (pr * saved * m.horizon) / 1e6
    if (extra > 0 && (extra > m.budget || gain < MARGIN * extra)) {
      if (m.shape === "from-start") break
      continue
    }
    const net = gain - extra
    if (net > 0 && (!best || net > best.netDollars))
      best = { from: j, savedTokens: saved, rewriteTokens: rewrite, extraDollars: extra, netDollars: net, cold: false }
    // Under "from-start" every start costs the same rewrite: the earliest saves the most.
    if (m.shape === "from-start") break
  }
  return best
}

function rewriteTokens(shape: CacheShape, total: number, at: number): number {
  return shape === "from-start" ? total : Math.max(0, total - at)
}

/** What a request costs more when `rewrite` tokens are written again instead of read, `saved` of them no more sent. */
function extraDollars(pr: number, pw: number, rewrite: number, saved: number): number {
  return (pw * Math.max(0, rewrite - saved) - pr * rewrite) / 1e6
}
