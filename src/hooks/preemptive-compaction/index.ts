import { contextUsage, percent, type ContextUsage } from "../../cache/context-usage"
import type { SessionEntry } from "../../cache/session-entry"
import { rec, str } from "../../events/parse"
import { table } from "../../status/report"
import type { HookContext, LongrunHook } from "../types"
import { hostOverflowPoint } from "./overflow"

const NAME = "preemptive-compaction"

type Phase = "idle" | "armed" | "in-flight" | "host-compacting" | "gave-up"

interface CompactionState {
  epoch: number
  phase: Phase
  /** failed attempts for the current crossing */
  failures: number
  notBefore: number
  lastCompactedAt: number | undefined
  startedAt: number | undefined
  timeout: ReturnType<typeof setTimeout> | undefined
  retry: ReturnType<typeof setTimeout> | undefined
  compactions: number
  lastError: string | undefined
}

/**
 * Compacts a session before OpenCode's own overflow handling has to. When usage
 * crosses the threshold the session is armed; the compaction starts at the next
 * moment OpenCode accepts one: right after a tool finishes (mid-turn, and OpenCode
 * then continues the work by itself) or when the session goes idle. One compaction
 * in flight per session, a cooldown, a timeout, bounded retries with backoff.
 * session.compacted ends it and starts a new epoch.
 */
export function createPreemptiveCompactionHook(ctx: HookContext): LongrunHook {
  const { options, logger } = ctx
  const clampLogged = new Set<string>()
  let disabledLogged = false

  const stateOf = (entry: SessionEntry) =>
    entry.state<CompactionState>(
      NAME,
      () => ({
        epoch: entry.epoch,
        phase: "idle",
        failures: 0,
        notBefore: 0,
        lastCompactedAt: undefined,
        startedAt: undefined,
        timeout: undefined,
        retry: undefined,
        compactions: 0,
        lastError: undefined,
      }),
      { estimate: (s) => 160 + (s.lastError?.length ?? 0) * 2 },
    )

  /** The ratio at which we compact: the option, kept below OpenCode's own overflow point. */
  const thresholdFor = (u: ContextUsage): number => {
    const hostPoint = hostOverflowPoint(u.limit, ctx.host) / u.window
    if (options.compaction_threshold < hostPoint) return options.compaction_threshold
    const clamped = Math.max(0.05, hostPoint - 0.05)
    const key = `${u.limit.context}/${u.limit.input}/${u.limit.output}`
    if (!clampLogged.has(key)) {
      clampLogged.add(key)
      logger.log(
        "warn",
        `compaction_threshold ${options.compaction_threshold} is at or above OpenCode's own overflow point ` +
          `(${percent(hostPoint)}) for a model with limits ${key}; compacting at ${percent(clamped)} instead`,
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
      await ctx.limits.resolve(usage.providerID, usage.modelID)
    }
    if (entry.isReleased) return
    const u = contextUsage(entry, ctx.limits)
    if (!u) return
    const state = stateOf(entry)
    if (state.epoch !== entry.epoch) resetEpoch(entry, state)
    if (state.phase !== "idle") return
    if (u.ratio < thresholdFor(u)) return
    if (u.used >= hostOverflowPoint(u.limit, ctx.host)) {
      // OpenCode compacts this one itself; a second compaction would only waste a request.
      return
    }
    state.phase = "armed"
    logger.log("info", `session ${entry.id} at ${percent(u.ratio)} of its context: compaction armed`)
    if (entry.status === "idle") start(entry, state, "idle")
  }

  const resetEpoch = (entry: SessionEntry, state: CompactionState) => {
    state.epoch = entry.epoch
    state.failures = 0
    state.lastError = undefined
    if (state.phase === "gave-up" || state.phase === "armed") state.phase = "idle"
  }

  const start = (entry: SessionEntry, state: CompactionState, moment: "after-tool" | "idle") => {
    const now = ctx.now()
    if (state.phase !== "armed" || now < state.notBefore) return
    if (state.lastCompactedAt !== undefined && now - state.lastCompactedAt < options.compaction_cooldown_ms) return
    const providerID = entry.usage?.providerID ?? entry.providerID
    const modelID = entry.usage?.modelID ?? entry.modelID
    if (!providerID || !modelID) return
    state.phase = "in-flight"
    state.startedAt = now
    const epochAtStart = entry.epoch
    state.timeout = entry.timers.setTimeout(
      () => fail(entry, state, `no session.compacted within ${options.compaction_timeout_ms} ms`),
      options.compaction_timeout_ms,
    )
    logger.log("info", `compacting session ${entry.id} (${moment}) with ${providerID}/${modelID}`)
    logger.toast("Compacting the session to keep it inside its context window", "info", "Preemptive compaction")
    // Mid-turn, auto: true lets OpenCode continue the interrupted work after the summary.
    // On idle the work had already stopped, so nothing is resumed.
    const body = { providerID, modelID, auto: moment === "after-tool" }
    void (async () => {
      try {
        const res = (await ctx.client.session.summarize({ path: { id: entry.id }, body })) as unknown
        const error = rec(res)?.error
        if (error) throw new Error(describeError(error))
      } catch (err) {
        // A late failure after the session already compacted is moot.
        if (entry.epoch === epochAtStart && state.phase === "in-flight") fail(entry, state, describeError(err))
      }
    })()
  }

  const fail = (entry: SessionEntry, state: CompactionState, reason: string) => {
    if (state.phase !== "in-flight") return
    entry.timers.clear(state.timeout)
    state.timeout = undefined
    state.failures++
    state.lastError = reason.slice(0, 300)
    if (state.failures > options.compaction_max_retries) {
      state.phase = "gave-up"
      logger.log("error", `compaction of ${entry.id} failed ${state.failures} times, giving up until the next compaction: ${reason}`)
      logger.toast(`Preemptive compaction failed ${state.failures} times: ${state.lastError}. OpenCode's own overflow handling still applies.`, "error", "Preemptive compaction")
      return
    }
    const delay = options.compaction_retry_base_ms * 2 ** (state.failures - 1)
    state.phase = "armed"
    state.notBefore = ctx.now() + delay
    logger.log("warn", `compaction of ${entry.id} failed (${reason}); retry ${state.failures}/${options.compaction_max_retries} in ${delay} ms`)
    logger.toast(`Compaction failed: ${state.lastError}. Retrying in ${Math.round(delay / 1000)} s`, "warning", "Preemptive compaction")
    entry.timers.clear(state.retry)
    state.retry = entry.timers.setTimeout(() => {
      state.retry = undefined
      if (entry.status === "idle") start(entry, state, "idle")
    }, delay)
  }

  return {
    name: NAME,
    events: {
      "message.updated": (ev, entry) => {
        const info = rec(ev.props.info)
        if (!entry || str(info?.role) !== "assistant") return
        const agent = str(info?.agent) ?? str(info?.mode)
        if (info?.summary === true || agent === "compaction") {
          // OpenCode (or we) are compacting; never start another meanwhile.
          const state = stateOf(entry)
          if (state.phase === "idle" || state.phase === "armed") state.phase = "host-compacting"
          return
        }
        return consider(entry)
      },
      "session.idle": (_ev, entry) => {
        const state = entry?.peekState<CompactionState>(NAME)
        if (!entry || !state) return
        // A host compaction that ended without session.compacted (it failed) is over too.
        if (state.phase === "host-compacting") state.phase = "idle"
        if (state.phase === "armed") start(entry, state, "idle")
      },
      "session.compacted": (_ev, entry) => {
        if (!entry) return
        const state = stateOf(entry)
        entry.timers.clear(state.timeout)
        entry.timers.clear(state.retry)
        if (state.phase === "in-flight") state.compactions++
        state.timeout = undefined
        state.retry = undefined
        state.phase = "idle"
        state.lastCompactedAt = ctx.now()
        state.notBefore = 0
        resetEpoch(entry, state)
      },
      "session.error": (_ev, entry) => {
        const state = entry?.peekState<CompactionState>(NAME)
        if (entry && state?.phase === "in-flight") fail(entry, state, "the session reported an error during compaction")
      },
    },
    handlers: {
      "tool.execute.after": async (input) => {
        const entry = ctx.store.peek(input.sessionID)
        const state = entry?.peekState<CompactionState>(NAME)
        if (entry && state?.phase === "armed") start(entry, state, "after-tool")
      },
      "experimental.session.compacting": async (input, output) => {
        if (!options.compaction_include_todos) return
        const todos = ctx.store.peek(input.sessionID)?.todos
        const open = todos?.filter((t) => t.status !== "completed" && t.status !== "cancelled") ?? []
        if (open.length === 0) return
        output.context.push(
          `The agent's todo list still has ${open.length} open item(s); keep them in the summary verbatim so the work continues:\n` +
            open.map((t) => `- [${t.status}] ${t.content}`).join("\n"),
        )
      },
    },
    status: () => {
      const rows = ctx.store.entries().flatMap((e) => {
        const s = e.peekState<CompactionState>(NAME)
        if (!s) return []
        return [[e.id, s.phase, String(s.compactions), String(s.failures), s.lastError ?? "-"]]
      })
      return {
        title: "preemptive compaction",
        data: rows.map(([id, phase, compactions, failures, lastError]) => ({ id, phase, compactions, failures, lastError })),
        text: rows.length ? table(["session", "state", "compactions", "failures", "last error"], rows) : "nothing compacted yet",
      }
    },
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.message
  const r = rec(err)
  const data = rec(r?.data)
  return str(data?.message) ?? str(r?.message) ?? str(r?.name) ?? JSON.stringify(err)?.slice(0, 200) ?? "unknown error"
}
