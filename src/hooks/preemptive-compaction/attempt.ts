import type { SessionEntry } from "../../cache/session-entry"
import { rec, str } from "../../events/json"
import type { TimerHandle } from "../../runtime/clock"
import type { HookContext } from "../types"

/** Private per-session state; what others may read is published in entry.compaction. */
export interface CompactionState {
  epoch: number
  /** failed attempts for the current crossing */
  failures: number
  notBefore: number
  lastCompactedAt: number | undefined
  /** id of the current attempt; a settling call from an older one is ignored */
  attempt: number
  /** the summarize call of the current attempt is still waiting for its answer */
  callPending: boolean
  abort: AbortController | undefined
  timeout: TimerHandle | undefined
  retry: TimerHandle | undefined
  /** when the current phase began, while a compaction runs (journaled: a restart must not repeat it blindly) */
  since: number | undefined
}

export function newCompactionState(epoch: number): CompactionState {
  return {
    epoch,
    failures: 0,
    notBefore: 0,
    lastCompactedAt: undefined,
    attempt: 0,
    callPending: false,
    abort: undefined,
    timeout: undefined,
    retry: undefined,
    since: undefined,
  }
}

/**
 * Starting, failing and retrying one session's compaction. At most one attempt is
 * out at a time: a retry waits until the previous summarize call has settled; an
 * attempt that times out is aborted; a late answer from an old attempt changes
 * nothing; nothing is scheduled once the session has left the store (its timers are
 * closed) or the plugin is disposed.
 */
export function createAttempts(ctx: HookContext, saved: (entry: SessionEntry) => void = () => {}) {
  const { options, logger } = ctx

  /** Every change of the published fact goes through here, and is journaled. */
  const setPhase = (entry: SessionEntry, phase: SessionEntry["compaction"]["phase"]) => {
    entry.compaction.phase = phase
    entry.compaction.inFlight = phase === "in-flight" || phase === "host-compacting"
    saved(entry)
  }

  const endAttempt = (entry: SessionEntry, state: CompactionState) => {
    entry.timers.clear(state.timeout)
    state.timeout = undefined
    state.abort?.abort()
    state.abort = undefined
  }

  const start = (entry: SessionEntry, state: CompactionState, moment: "after-tool" | "idle") => {
    const now = ctx.now()
    if (entry.isReleased || entry.compaction.phase !== "armed" || state.callPending || now < state.notBefore) return
    if (state.lastCompactedAt !== undefined && now - state.lastCompactedAt < options.compaction_cooldown_ms) return
    const providerID = entry.usage?.providerID ?? entry.providerID
    const modelID = entry.usage?.modelID ?? entry.modelID
    if (!providerID || !modelID) return
    const attempt = ++state.attempt
    setPhase(entry, "in-flight")
    state.timeout = entry.timers.setTimeout(
      () => fail(entry, state, attempt, `no session.compacted within ${options.compaction_timeout_ms} ms`),
      options.compaction_timeout_ms,
    )
    const abort = new AbortController()
    state.abort = abort
    state.callPending = true
    logger.log("info", `compacting session ${entry.id} (${moment}) with ${providerID}/${modelID}`)
    const used = entry.usage?.total
    logger.toast(
      used !== undefined && entry.compaction.thresholdTokens !== undefined
        ? `Context at ${used.toLocaleString("en-US")} tokens, past the ${entry.compaction.thresholdTokens.toLocaleString("en-US")} threshold: compacting the session`
        : "Compacting the session to keep it inside its context window",
      "info",
      "Preemptive compaction",
    )
    // Mid-turn, auto: true lets OpenCode continue the interrupted work after the summary.
    // On idle the work had already stopped, so nothing is resumed.
    const body = { providerID, modelID, auto: moment === "after-tool" }
    void ctx.client.session
      .summarize({ path: { id: entry.id }, body, signal: abort.signal } as never)
      .then((res) => {
        const error = rec(res)?.error
        if (error) throw new Error(describeError(error))
      })
      .catch((err) => fail(entry, state, attempt, describeError(err)))
      .finally(() => {
        if (state.attempt === attempt) state.callPending = false
        // A retry that fell due while this call was pending starts now.
        if (entry.compaction.phase === "armed" && entry.status === "idle") start(entry, state, "idle")
      })
      .catch((err) => logger.hookError("preemptive-compaction", "summarize", err))
  }

  const fail = (entry: SessionEntry, state: CompactionState, attempt: number, reason: string) => {
    // Only the current attempt can fail; a session gone or compacted meanwhile is moot.
    if (attempt !== state.attempt || entry.compaction.phase !== "in-flight" || entry.isReleased) return
    endAttempt(entry, state)
    state.failures++
    entry.compaction.lastError = reason.slice(0, 300)
    if (state.failures > options.compaction_max_retries) {
      setPhase(entry, "gave-up")
      logger.log(
        "error",
        `compaction of ${entry.id} failed ${state.failures} times, giving up until the next compaction: ${reason}`,
      )
      logger.toast(
        `Preemptive compaction failed ${state.failures} times: ${entry.compaction.lastError}. OpenCode's own overflow handling still applies.`,
        "error",
        "Preemptive compaction",
      )
      return
    }
    const delay = options.compaction_retry_base_ms * 2 ** (state.failures - 1)
    setPhase(entry, "armed")
    state.notBefore = ctx.now() + delay
    logger.log(
      "warn",
      `compaction of ${entry.id} failed (${reason}); retry ${state.failures}/${options.compaction_max_retries} in ${delay} ms`,
    )
    logger.toast(
      `Compaction failed: ${entry.compaction.lastError}. Retrying in ${Math.round(delay / 1000)} s`,
      "warning",
      "Preemptive compaction",
    )
    entry.timers.clear(state.retry)
    state.retry = entry.timers.setTimeout(() => {
      state.retry = undefined
      if (entry.status === "idle") start(entry, state, "idle")
    }, delay)
  }

  /** session.compacted: whoever started it, the attempt is over and a new epoch begins. */
  const compacted = (entry: SessionEntry, state: CompactionState) => {
    if (entry.compaction.phase === "in-flight") entry.compaction.compactions++
    endAttempt(entry, state)
    entry.timers.clear(state.retry)
    state.retry = undefined
    state.attempt++
    state.callPending = false
    state.lastCompactedAt = ctx.now()
    state.notBefore = 0
    state.epoch = entry.epoch
    state.failures = 0
    entry.compaction.lastError = undefined
    setPhase(entry, "idle")
  }

  /** The session left the store or the plugin is going: abort whatever is out. */
  const release = (entry: SessionEntry, state: CompactionState) => {
    state.attempt++
    endAttempt(entry, state)
    entry.timers.clear(state.retry)
  }

  return { start, fail, compacted, release, setPhase }
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message
  const r = rec(err)
  const data = rec(r?.data)
  return str(data?.message) ?? str(r?.message) ?? str(r?.name) ?? safeJson(err)
}

/** JSON.stringify throws on cycles and BigInt; an error description must not. */
function safeJson(x: unknown): string {
  try {
    return JSON.stringify(x)?.slice(0, 200) ?? "unknown error"
  } catch {
    return "unknown error"
  }
}
