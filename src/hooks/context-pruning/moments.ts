/**
 * When lossy changes are made: at a moment the bill says is free (the provider's prompt
 * cache is cold anyway) or pays for itself within the horizon, at no more risk than the
 * session's budget. And what the next answer's usage says about the cache's shape.
 */
import { coldness, type Coldness } from "../../bill/coldness"
import { billSoFar } from "../../bill/estimate"
import { type CacheShape, chooseMoment, type MomentChoice } from "../../bill/moment"
import type { Prices } from "../../bill/prices"
import type { LossyCandidate } from "./decide"
import type { OutgoingMessage } from "./apply"
import type { MomentRecord } from "./state"
import type { Walk } from "./walk"

export type MomentMode = "cost" | "cold" | "always"

export interface MomentOptions {
  mode: MomentMode
  ttlMs: number
  horizonRequests: number
  risk: number
}

/**
 * A saving is counted for this share of the requests made so far (capped by horizonRequests):
 * a session that has run n requests is taken to run about 0.3 n more, which the 30 real
 * sessions of the replay bench bore out best (bench/RESULTS.md, "Replaying real sessions").
 */
export const HORIZON_SHARE = 0.3

export interface Picked {
  chosen: LossyCandidate[]
  choice: MomentChoice
  coldness: Coldness
}

export function pickMoment(
  messages: OutgoingMessage[],
  w: Walk,
  lossy: LossyCandidate[],
  prices: Prices,
  shape: CacheShape,
  o: MomentOptions,
  /** what earlier warm moments have not saved back yet: it counts against the budget */
  debt = 0,
): Picked | undefined {
  if (lossy.length === 0) return undefined
  const cold = coldness(messages, o.ttlMs)
  if (o.mode === "cold" && !cold.cold) return undefined
  const always = o.mode === "always"
  const choice = chooseMoment({
    candidates: lossy.map((c) => ({ at: w.at[c.item]! / 4, saved: c.saved / 4 })),
    totalTokens: w.totalChars / 4,
    cold: cold.cold || always,
    shape,
    prices,
    horizon: Math.min(o.horizonRequests, HORIZON_SHARE * w.steps.length),
    budget: Math.max(0, o.risk * billSoFar(w.steps, prices) - debt),
  })
  if (!choice) return undefined
  return { chosen: lossy.slice(choice.from), choice, coldness: cold }
}

/**
 * After a warm moment, the first answer tells how the cache took it: where it kept the
 * part before the first change (a prefix cache), its read stays near that share of the
 * read before; where it is kept only at the last messages (Anthropic with OpenCode's
 * breakpoints), the read falls to the system prompt. Undefined until it can tell.
 */
export function learnShape(moment: MomentRecord, w: Walk): CacheShape | undefined {
  if (moment.cold || moment.readBefore === undefined || moment.readBefore <= 0 || moment.keptShare < 0.3) return undefined
  const at = w.steps.findIndex((s) => s.id === moment.afterAnswer)
  const answer = at >= 0 ? w.steps[at + 1] : undefined
  if (!answer?.tokens) return undefined
  const ratio = answer.tokens.cacheRead / moment.readBefore
  return ratio < moment.keptShare / 2 ? "from-start" : "prefix"
}
