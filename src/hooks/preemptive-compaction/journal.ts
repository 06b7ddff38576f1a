import type { SessionEntry } from "../../cache/session-entry"
import type { CompactionRecord } from "../../journal"
import type { CompactionState } from "./attempt"

/** What a restart must keep: the phase (and since when), failures, backoff, cooldown; undefined while nothing happened. */
export function compactionRecord(entry: SessionEntry, s: CompactionState): CompactionRecord | undefined {
  const f = entry.compaction
  if (f.phase === "idle" && s.failures === 0 && s.lastCompactedAt === undefined && f.compactions === 0) return undefined
  return {
    phase: f.phase,
    since: s.since,
    failures: s.failures,
    notBefore: s.notBefore,
    lastCompactedAt: s.lastCompactedAt,
    compactions: f.compactions,
    lastError: f.lastError,
  }
}

/**
 * Puts the journaled state back. A compaction in flight when OpenCode stopped is not sent
 * again blindly: it counts as a failed attempt (with its backoff), its start counts for the
 * cooldown, and only the next usage OpenCode reports can arm a new one. A give-up holds.
 */
export function applyCompaction(
  entry: SessionEntry,
  s: CompactionState,
  r: CompactionRecord,
  o: { maxRetries: number; retryBaseMs: number; now: number },
): CompactionRecord["phase"] {
  s.epoch = entry.epoch
  s.failures = r.failures
  s.notBefore = r.notBefore
  s.lastCompactedAt = r.lastCompactedAt
  entry.compaction.compactions = r.compactions
  entry.compaction.lastError = r.lastError
  if (r.phase === "gave-up") return "gave-up"
  if (r.phase !== "in-flight" && r.phase !== "host-compacting") return "idle"
  s.lastCompactedAt = Math.max(s.lastCompactedAt ?? 0, r.since ?? o.now)
  if (r.phase === "host-compacting") return "idle"
  s.failures++
  entry.compaction.lastError = "interrupted: OpenCode stopped while the compaction ran"
  if (s.failures > o.maxRetries) return "gave-up"
  s.notBefore = o.now + o.retryBaseMs * 2 ** (s.failures - 1)
  return "idle"
}
