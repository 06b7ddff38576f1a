import type { CacheShape } from "../../bill/moment"
import type { PruningFact } from "../../cache/facts"
import { DECISION_KEY, type PruningRecord } from "../../journal"
import { ID } from "../../journal/read"
import { detach } from "../../runtime/detach"
import { type Decision, STRATEGIES, type Strategy } from "./decide"
import type { PruneState } from "./state"

/**
 * What a restart must keep for the first request after it to be byte-identical to the last
 * one before: every sticky decision (its placeholder text verbatim), the newest part seen
 * (parts up to it are not new after the restart), the last moment and the cache's shape.
 */
export function pruningRecord(s: PruneState, fact: PruningFact, modelKey: string): PruningRecord {
  const decisions: PruningRecord["decisions"] = []
  for (const [key, d] of s.decisions)
    if (DECISION_KEY.test(key) && (d.holder === undefined || ID.test(d.holder)))
      decisions.push([key, d.strategy, d.text, d.holder])
  const m = s.lastMoment
  return {
    seen: s.newestSeen !== undefined && ID.test(s.newestSeen) ? s.newestSeen : undefined,
    decisions,
    requests: s.requests,
    moments: s.moments,
    lastMoment: m && { ...m, afterAnswer: m.afterAnswer !== undefined && ID.test(m.afterAnswer) ? m.afterAnswer : undefined },
    shape: s.shape,
    modelKey: modelKey.slice(0, 512),
    charsNotSent: s.charsNotSent,
    dollarsSaved: fact.dollarsSaved,
    debt: s.debt,
  }
}

export function applyPruning(
  s: PruneState,
  fact: PruningFact,
  r: PruningRecord,
  shapes: Map<string, CacheShape>,
  commit: (state: PruneState, key: string, d: Decision) => void,
): void {
  for (const [key, strategy, text, holder] of r.decisions) {
    if (!STRATEGIES.includes(strategy as Strategy)) continue
    const d: Decision = { strategy: strategy as Strategy, text: detach(text) }
    if (holder !== undefined) d.holder = detach(holder)
    commit(s, detach(key), d)
  }
  s.restoredSeen = r.seen
  s.newestSeen = r.seen
  s.requests = r.requests
  s.moments = r.moments
  s.lastMoment = r.lastMoment && { ...r.lastMoment, afterAnswer: r.lastMoment.afterAnswer, readBefore: r.lastMoment.readBefore }
  s.charsNotSent = r.charsNotSent
  s.debt = r.debt ?? 0
  s.shape = r.shape
  if (r.shape && r.modelKey && !shapes.has(r.modelKey)) shapes.set(detach(r.modelKey), r.shape)
  fact.moments = r.moments
  fact.dollarsSaved = r.dollarsSaved
  fact.lastMoment = r.lastMoment && {
    afterAnswer: r.lastMoment.afterAnswer,
    cold: r.lastMoment.cold,
    request: r.lastMoment.request,
  }
}
