import type { PruningFact } from "../../cache/facts"
import { DECISION_KEY, type PruningRecord } from "../../journal"
import { ID } from "../../journal/read"
import { detach } from "../../runtime/detach"
import { type Decision, STRATEGIES, type Strategy } from "./decide"
import type { CacheLessons } from "./lessons"
import type { PruneState } from "./state"

/**
 * What a restart must keep for the first request after it to be byte-identical to the last
 * one before: every sticky decision (its placeholder text verbatim), the newest part seen
 * (parts up to it are not new after the restart), the last moment and the cache's shape.
 */
export function pruningRecord(s: PruneState, fact: PruningFact, modelKey: string, lessons: CacheLessons): PruningRecord {
  const decisions: PruningRecord["decisions"] = []
  for (const [key, d] of s.decisions)
    if (DECISION_KEY.test(key) && (d.holder === undefined || ID.test(d.holder)))
      decisions.push(d.holderInput ? [key, d.strategy, d.text, d.holder, 1] : [key, d.strategy, d.text, d.holder])
  const m = s.lastMoment
  return {
    seen: s.newestSeen !== undefined && ID.test(s.newestSeen) ? s.newestSeen : undefined,
    decisions,
    requests: s.requests,
    moments: s.moments,
    lastMoment: m && { ...m, afterAnswer: m.afterAnswer !== undefined && ID.test(m.afterAnswer) ? m.afterAnswer : undefined },
    shape: lessons.learnt(modelKey),
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
  lessons: CacheLessons,
  commit: (state: PruneState, key: string, d: Decision) => void,
): void {
  for (const [key, strategy, text, holder, holderInput] of r.decisions) {
    if (!STRATEGIES.includes(strategy as Strategy)) continue
    const d: Decision = { strategy: strategy as Strategy, text: detach(text) }
    if (holder !== undefined) d.holder = detach(holder)
    if (holderInput === 1) d.holderInput = true
    commit(s, detach(key), d)
  }
  s.restoredSeen = r.seen
  s.newestSeen = r.seen
  s.requests = r.requests
  s.moments = r.moments
  s.lastMoment = r.lastMoment && {
    ...r.lastMoment,
    afterAnswer: r.lastMoment.afterAnswer,
    readBefore: r.lastMoment.readBefore,
    totalTokens: r.lastMoment.totalTokens ?? 0,
    gapMs: r.lastMoment.gapMs,
    // What the answer after it taught is not journaled twice: a restored moment has taught it.
    learnt: true,
  }
  s.charsNotSent = r.charsNotSent
  s.debt = r.debt ?? 0
  if (r.shape && r.modelKey) lessons.restore(r.modelKey, r.shape)
  fact.moments = r.moments
  fact.dollarsSaved = r.dollarsSaved
  fact.lastMoment = r.lastMoment && {
    afterAnswer: r.lastMoment.afterAnswer,
    cold: r.lastMoment.cold,
    request: r.lastMoment.request,
  }
}
