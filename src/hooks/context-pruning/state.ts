import type { Decision } from "./decide"
import { factsBytes, type PartFacts } from "./part-facts"

/** Per-session pruning state: ids, hashes and placeholder texts only, never payloads. */
export interface PruneState {
  /** facts per tool part id; null for parts the pruner leaves alone */
  facts: Map<string, PartFacts | null>
  factBytes: number
  /** sticky decisions, keyed `${partID}:o` / `${partID}:i` */
  decisions: Map<string, Decision>
  decisionBytes: number
  /** newest user message seen: a different one means a new user turn started */
  lastUserID: string | undefined
  requests: number
  /** times stale copies were left out (each breaks the provider's prompt cache once) */
  moments: number
  lastMoment: { at: number; parts: number; chars: number } | undefined
  /** characters left out of all requests of this session */
  charsNotSent: number
}

export function createPruneState(): PruneState {
  return {
    facts: new Map(),
    factBytes: 0,
    decisions: new Map(),
    decisionBytes: 0,
    lastUserID: undefined,
    requests: 0,
    moments: 0,
    lastMoment: undefined,
    charsNotSent: 0,
  }
}

export function pruneStateBytes(s: PruneState): number {
  return 200 + s.factBytes + s.decisionBytes + s.facts.size * 60
}

/**
 * Keeps only what concerns parts still sent (`keep`). Parts that left the request
 * (after a compaction) never come back, so their facts and decisions can go.
 */
export function trimState(s: PruneState, keep: Set<string>): void {
  for (const [id, f] of s.facts) {
    if (keep.has(id)) continue
    s.facts.delete(id)
    if (f) s.factBytes -= factsBytes(f)
  }
  for (const [key, d] of s.decisions) {
    if (keep.has(key.slice(0, -2))) continue
    s.decisions.delete(key)
    s.decisionBytes -= 64 + 2 * (key.length + d.text.length)
  }
}
