import type { Decision } from "./decide"
import { factsBytes, type PartFacts } from "./part-facts"

/** One moment at which lossy changes were made (each breaks the provider's prompt cache once, unless it was cold). */
export interface MomentRecord {
  /** the request (1-based, in this session) it was made in */
  request: number
  cold: boolean
  parts: number
  chars: number
  /** estimated dollars: what the request cost more, and what the change should save over its horizon */
  extraDollars: number
  netDollars: number
  /** the newest answer before it, and the cache it read: to learn the cache's shape from the next answer */
  afterAnswer: string | undefined
  readBefore: number | undefined
  /** share of the request before the first change, and the request's tokens (characters / 4) */
  keptShare: number
  totalTokens: number
  /** how long the cache had not been used, when the timestamps said (a cold moment's pause) */
  gapMs: number | undefined
  /** the first answer after it was read for what it teaches (see lessons.ts) */
  learnt: boolean
}

/** Per-session pruning state: ids, hashes and placeholder texts only, never payloads. */
export interface PruneState {
  /** facts per tool part id; null for parts the pruner leaves alone */
  facts: Map<string, PartFacts | null>
  factBytes: number
  /** sticky decisions, keyed `${partID}:o` / `${partID}:i` */
  decisions: Map<string, Decision>
  decisionBytes: number
  requests: number
  /** times lossy changes were made */
  moments: number
  lastMoment: MomentRecord | undefined
  /** characters left out of all requests of this session */
  charsNotSent: number
  /** the newest tool part id walked (OpenCode's ids ascend): journaled with the decisions */
  newestSeen: string | undefined
  /**
   * After a restart, the newest part the pruner had seen before it: parts up to it are not new,
   * so no reference is made to them now that was not made then (the history resent byte-identical).
   */
  restoredSeen: string | undefined
  /** dollars warm moments cost more than they have saved back so far: the risk still open */
  debt: number
}

export function createPruneState(): PruneState {
  return {
    facts: new Map(),
    factBytes: 0,
    decisions: new Map(),
    decisionBytes: 0,
    requests: 0,
    moments: 0,
    lastMoment: undefined,
    charsNotSent: 0,
    newestSeen: undefined,
    restoredSeen: undefined,
    debt: 0,
  }
}

export function decisionBytes(key: string, d: Decision): number {
  return 64 + 2 * (key.length + d.text.length + (d.holder?.length ?? 0))
}

export function pruneStateBytes(s: PruneState): number {
  return 300 + s.factBytes + s.decisionBytes + s.facts.size * 60
}

/**
 * Keeps only what concerns parts still sent (`keep`). Parts that left the request
 * (after a compaction) never come back, so their facts and decisions can go.
 */
/** Drops one part's facts and decisions (its id now names another call). */
export function forget(s: PruneState, id: string): void {
  const f = s.facts.get(id)
  if (f) s.factBytes -= factsBytes(f)
  s.facts.delete(id)
  for (const key of [`${id}:o`, `${id}:i`]) {
    const d = s.decisions.get(key)
    if (!d) continue
    s.decisions.delete(key)
    s.decisionBytes -= decisionBytes(key, d)
  }
}

export function trimState(s: PruneState, keep: Set<string>): void {
  for (const [id, f] of s.facts) {
    if (keep.has(id)) continue
    s.facts.delete(id)
    if (f) s.factBytes -= factsBytes(f)
  }
  for (const [key, d] of s.decisions) {
    if (keep.has(key.slice(0, -2))) continue
    s.decisions.delete(key)
    s.decisionBytes -= decisionBytes(key, d)
  }
}
