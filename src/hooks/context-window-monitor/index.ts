import { type ContextUsage, contextUsage } from "../../cache/context-usage"
import type { SessionEntry } from "../../cache/session-entry"
import { percent, table } from "../../status/format"
import { entriesIn } from "../../status/scope"
import type { HookContext, LongrunHook } from "../types"
import { contextNote } from "./note"

const NAME = "context-window-monitor"

interface MonitorState {
  epoch: number
  /** thresholds already announced in this epoch */
  fired: Set<number>
  /** the note waiting for this session's next tool result */
  pending: string | undefined
  last: ContextUsage | undefined
}

/**
 * Tells the agent and the user how full the context is. Each threshold fires once
 * per context epoch (an epoch restarts when the session is compacted): the agent
 * sees a plain-data note appended to its next tool result (unless
 * context_note_to_agent is off), the user a toast, except when preemptive compaction
 * is about to start: its own toast says the same, and a second one would hide it.
 */
export function createContextWindowMonitorHook(ctx: HookContext): LongrunHook {
  const thresholds = [...ctx.options.context_warning_thresholds].sort((a, b) => a - b)
  const unknownLimitLogged = new Set<string>()

  const stateOf = (entry: SessionEntry) =>
    entry.state<MonitorState>(NAME, () => ({ epoch: entry.epoch, fired: new Set(), pending: undefined, last: undefined }), {
      estimate: (s) => 96 + s.fired.size * 16 + (s.pending?.length ?? 0) * 2,
    })

  /**
   * Waits for an unknown limit; false when it stays unknown. While a catalogue read is
   * out, later events return at once instead of piling up behind it.
   */
  const limitKnown = async (entry: SessionEntry): Promise<boolean> => {
    const { providerID, modelID } = entry.usage ?? {}
    if (!providerID || !modelID || ctx.limits.peek(providerID, modelID)) return true
    if (ctx.limits.reading) return false
    if (await ctx.limits.resolve(providerID, modelID)) return true
    const key = `${providerID}/${modelID}`
    if (!unknownLimitLogged.has(key) && unknownLimitLogged.size < 100) {
      unknownLimitLogged.add(key)
      ctx.logger.log("info", `no context limit known for ${key}; the context-window monitor stays quiet for it`)
    }
    return false
  }

  const check = async (entry: SessionEntry) => {
    if (!entry.usage) return
    if (!(await limitKnown(entry)) || entry.isReleased) return
    const state = stateOf(entry)
    const usage = contextUsage(entry, ctx.limits)
    if (!usage) return
    if (state.epoch !== entry.epoch) {
      state.epoch = entry.epoch
      state.fired.clear()
    }
    state.last = usage
    const crossed = thresholds.filter((t) => usage.fill >= t && !state.fired.has(t))
    if (crossed.length === 0) return
    for (const t of crossed) state.fired.add(t)
    if (ctx.options.context_note_to_agent) state.pending = contextNote(usage, entry.compaction)
    // Compaction runs before this hook: when it is about to start, its toast says it all.
    if (entry.compaction.phase === "armed" || entry.compaction.inFlight) return
    const variant = usage.fill >= (thresholds[thresholds.length - 1] ?? 1) ? "warning" : "info"
    const held = Math.min(usage.held, usage.window)
    ctx.logger.toast(
      `Context ${percent(usage.fill)} of the window used (${held.toLocaleString("en-US")}/${usage.window.toLocaleString("en-US")} tokens)`,
      variant,
      "Context window",
    )
  }

  return {
    name: NAME,
    events: {
      "message.updated": (ev, entry) => {
        if (entry && ev.info.role === "assistant") return check(entry)
      },
      "session.compacted": (_ev, entry) => {
        const state = entry?.peekState<MonitorState>(NAME)
        if (!state || !entry) return
        state.epoch = entry.epoch
        state.fired.clear()
        state.pending = undefined
        state.last = undefined
      },
    },
    handlers: {
      "tool.execute.after": async (input, output) => {
        const state = ctx.store.peek(input.sessionID)?.peekState<MonitorState>(NAME)
        if (!state?.pending || typeof output.output !== "string") return
        output.output = `${output.output}\n\n${state.pending}`
        state.pending = undefined
      },
    },
    status: (scope) => {
      const rows = entriesIn(ctx.store, scope).flatMap((e) => {
        const s = e.peekState<MonitorState>(NAME)
        const u = contextUsage(e, ctx.limits) ?? s?.last
        if (!u) return []
        const fired = [...(s?.fired ?? [])].map(percent).join(",") || "-"
        const host = e.compaction.hostOverflowTokens
        return [
          [e.id, percent(u.fill), `${Math.min(u.held, u.window)}/${u.window}`, host ? String(host) : "-", u.limit.source, fired],
        ]
      })
      return {
        title: "context windows (percent of the model's context window)",
        data: rows.map(([id, pct, used, hostOverflow, source, fired]) => ({ id, pct, used, hostOverflow, source, fired })),
        text: rows.length
          ? table(["session", "used", "tokens", "OpenCode compacts at", "limit from", "warned at"], rows)
          : "no usage reported yet",
      }
    },
  }
}
