import { type ContextUsage, contextUsage } from "../../cache/context-usage"
import type { SessionEntry } from "../../cache/session-entry"
import { percent, table } from "../../status/format"
import { entriesIn } from "../../status/scope"
import type { HookContext, LongrunHook } from "../types"
import { type CompactionState, createAttempts, newCompactionState } from "./attempt"
import { applyCompaction, compactionRecord } from "./journal"
import { hostOverflowPoint } from "./overflow"
import { summaryContext } from "./summary-context"

const NAME = "preemptive-compaction"

/**
 * Compacts a session before OpenCode's own overflow handling has to. When usage
 * crosses the threshold the session is armed; the compaction starts at the next
 * moment OpenCode accepts one: right after a tool finishes (mid-turn, and OpenCode
 * then continues the work by itself) or when the session goes idle. One attempt out
 * at a time, a cooldown, a timeout, bounded retries with backoff; session.compacted
 * ends it and starts a new epoch. Publishes entry.compaction (its only writer).
 */
export function createPreemptiveCompactionHook(ctx: HookContext): LongrunHook {
  const { options, logger } = ctx
  const journal = ctx.journal.writer("compaction", (entry, saved) => {
    const phase = applyCompaction(entry, stateOf(entry), saved, {
      maxRetries: options.compaction_max_retries,
      retryBaseMs: options.compaction_retry_base_ms,
      now: ctx.now(),
    })
    attempts.setPhase(entry, phase)
  })
  const save = (entry: SessionEntry) => {
    const state = entry.peekState<CompactionState>(NAME)
    if (!state) return
    state.since = entry.compaction.inFlight ? (state.since ?? ctx.now()) : undefined
    journal.set(entry.id, compactionRecord(entry, state))
  }
  const attempts = createAttempts(ctx, save)
  const clampLogged = new Set<string>()
  let disabledLogged = false

  const stateOf = (entry: SessionEntry) =>
    entry.state<CompactionState>(NAME, () => newCompactionState(entry.epoch), {
      release: (s) => attempts.release(entry, s),
      estimate: () => 200 + (entry.compaction.lastError?.length ?? 0) * 2,
    })

  /** The ratio at which we compact: the option, kept below OpenCode's own overflow point. */
  const thresholdFor = (u: ContextUsage, hostPoint: number): number => {
    const hostRatio = hostPoint / u.window
    if (options.compaction_threshold < hostRatio) return options.compaction_threshold
    const clamped = Math.max(0.05, hostRatio - 0.05)
    const key = `${u.limit.context}/${u.limit.input}/${u.limit.output}`
    if (!clampLogged.has(key) && clampLogged.size < 100) {
      clampLogged.add(key)
      logger.log(
        "warn",
        `compaction_threshold ${options.compaction_threshold} is at or above OpenCode's own overflow point ` +
          `(${percent(hostRatio)}) for a model with limits ${key}; compacting at ${percent(clamped)} instead`,
      )
    }
    return clamped
  }

  const consider = async (entry: SessionEntry) => {
    if (!ctx.host.autoCompaction) {
      if (!disabledLogged) {
        disabledLogged = true
        logger.log("info", "compaction.auto is false in OpenCode's config; preemptive compaction stays off")
      }
      return
    }
    const usage = entry.usage
    if (!usage) return
    if (usage.providerID && usage.modelID && !ctx.limits.peek(usage.providerID, usage.modelID)) {
      // One handler waits for a catalogue read; the others return, so waiting work stays bounded.
      if (ctx.limits.reading) return
      await ctx.limits.resolve(usage.providerID, usage.modelID)
    }
    if (entry.isReleased) return
    const u = contextUsage(entry, ctx.limits)
    if (!u) return
    const state = stateOf(entry)
    const fact = entry.compaction
    const hostPoint = hostOverflowPoint(u.limit, ctx.host)
    const ratio = thresholdFor(u, hostPoint)
    fact.hostOverflowTokens = hostPoint
    fact.thresholdTokens = Math.floor(ratio * u.window)
    if (state.epoch !== entry.epoch) newEpoch(entry, state)
    if (fact.phase !== "idle" || u.ratio < ratio) return
    // OpenCode compacts this one itself; a second compaction would only waste a request.
    if (u.used >= hostPoint) return
    attempts.setPhase(entry, "armed")
    logger.log("info", `session ${entry.id} at ${percent(u.ratio)} of its context: compaction armed`)
    if (entry.status === "idle") attempts.start(entry, state, "idle")
  }

  const newEpoch = (entry: SessionEntry, state: CompactionState) => {
    state.epoch = entry.epoch
    state.failures = 0
    entry.compaction.lastError = undefined
    if (entry.compaction.phase === "gave-up" || entry.compaction.phase === "armed") attempts.setPhase(entry, "idle")
    else save(entry)
  }

  return {
    name: NAME,
    events: {
      "message.updated": (ev, entry) => {
        if (!entry || ev.info.role !== "assistant") return
        if (ev.info.summary) {
          // OpenCode (or we) are compacting; never start another meanwhile.
          stateOf(entry)
          if (entry.compaction.phase === "idle" || entry.compaction.phase === "armed") attempts.setPhase(entry, "host-compacting")
          return
        }
        return consider(entry)
      },
      "session.idle": (_ev, entry) => {
        const state = entry?.peekState<CompactionState>(NAME)
        if (!entry || !state) return
        // A host compaction that ended without session.compacted (it failed) is over too.
        if (entry.compaction.phase === "host-compacting") attempts.setPhase(entry, "idle")
        if (entry.compaction.phase === "armed") attempts.start(entry, state, "idle")
      },
      "session.compacted": (_ev, entry) => {
        if (entry) attempts.compacted(entry, stateOf(entry))
      },
      "session.error": (_ev, entry) => {
        const state = entry?.peekState<CompactionState>(NAME)
        if (entry && state && entry.compaction.phase === "in-flight")
          attempts.fail(entry, state, state.attempt, "the session reported an error during compaction")
      },
    },
    handlers: {
      "tool.execute.after": async (input) => {
        const entry = ctx.store.peek(input.sessionID)
        const state = entry?.peekState<CompactionState>(NAME)
        if (entry && state && entry.compaction.phase === "armed") attempts.start(entry, state, "after-tool")
      },
      "experimental.session.compacting": async (input, output) => {
        const entry = ctx.store.peek(input.sessionID)
        if (entry) output.context.push(...summaryContext(entry, options.compaction_include_todos))
      },
    },
    status: (scope) => {
      const rows = entriesIn(ctx.store, scope).flatMap((e) => {
        if (!e.peekState<CompactionState>(NAME)) return []
        const f = e.compaction
        const at = f.thresholdTokens !== undefined ? `${f.thresholdTokens}/${f.hostOverflowTokens ?? "-"}` : "-"
        return [[e.id, f.phase, at, String(f.compactions), String(e.compactedTimes), f.lastError ?? "-"]]
      })
      return {
        title: "preemptive compaction",
        data: rows.map(([id, phase, at, compactions, compacted, lastError]) => ({
          id,
          phase,
          at,
          compactions,
          compacted,
          lastError,
        })),
        text: rows.length
          ? table(["session", "state", "compacts at (plugin/OpenCode)", "by plugin", "in all", "last error"], rows)
          : "nothing compacted yet",
      }
    },
  }
}
