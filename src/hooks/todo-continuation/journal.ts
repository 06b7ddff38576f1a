import type { ContinuationRecord } from "../../journal"
import type { TodoState } from "./state"

/** What a restart must keep of the enforcer's state: stops, holds and the counts behind them; undefined when all are at rest. */
export function continuationRecord(s: TodoState, sent: number): ContinuationRecord | undefined {
  const quiet = !s.stopped && !s.aborted && s.withoutProgress === 0 && s.failures === 0 && s.notBefore === 0 && sent === 0
  if (quiet && s.hold === undefined && s.errorHold === undefined) return undefined
  return {
    stopped: s.stopped,
    aborted: s.aborted,
    withoutProgress: s.withoutProgress,
    closed: s.mark.closed,
    open: Number.isFinite(s.mark.open) ? s.mark.open : undefined,
    failures: s.failures,
    notBefore: s.notBefore,
    lastSentAt: s.lastSentAt,
    hold: s.hold,
    errorHold: s.errorHold,
    sent,
  }
}

/** Puts a journaled state back: a stop or a hold made before the restart holds after it. */
export function applyContinuation(s: TodoState, r: ContinuationRecord): void {
  s.stopped = r.stopped
  s.aborted = r.aborted
  s.withoutProgress = r.withoutProgress
  s.mark = { closed: r.closed, open: r.open ?? Number.POSITIVE_INFINITY }
  s.failures = r.failures
  s.notBefore = r.notBefore
  s.lastSentAt = r.lastSentAt
  s.hold = r.hold
  s.errorHold = r.errorHold
}
