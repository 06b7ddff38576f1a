import { contextUsage, percent, type ContextUsage } from "../../cache/context-usage"
import type { SessionEntry } from "../../cache/session-entry"
import { table } from "../../status/report"
import type { HookContext, LongrunHook } from "../types"

const NAME = "context-window-monitor"

interface MonitorState {
  epoch: number
  /** thresholds already announced in this epoch */
  fired: Set<number>
  /** the status line waiting for this session's next tool result */
  pending: string | undefined
  last: ContextUsage | undefined
}

export function statusLine(u: ContextUsage): string {
  return (
    `[longrun] Context window ${percent(u.ratio)} used (${u.used.toLocaleString("en-US")} of ` +
    `${u.window.toLocaleString("en-US")} tokens). There is room to finish: keep working carefully, ` +
    `do not rush or skip steps. The session will be compacted automatically when needed.`
  )
}

/**
 * Tells the agent and the user how full the context is. Each threshold fires once
 * per context epoch (an epoch restarts when the session is compacted): the agent
 * sees a status line appended to its next tool result, the user a toast.
 */
export function createContextWindowMonitorHook(ctx: HookContext): LongrunHook {
  const thresholds = [...ctx.options.context_warning_thresholds].sort((a, b) => a - b)
  const unknownLimitLogged = new Set<string>()

  const stateOf = (entry: SessionEntry) =>
    entry.state<MonitorState>(NAME, () => ({ epoch: entry.epoch, fired: new Set(), pending: undefined, last: undefined }), {
      estimate: (s) => 96 + s.fired.size * 16 + (s.pending?.length ?? 0) * 2,
    })

  const check = async (entry: SessionEntry) => {
    if (!entry.usage) return
    const { providerID, modelID } = entry.usage
    if (providerID && modelID && !ctx.limits.peek(providerID, modelID)) {
      const found = await ctx.limits.resolve(providerID, modelID)
      if (!found) {
        const key = `${providerID}/${modelID}`
        if (!unknownLimitLogged.has(key)) {
          unknownLimitLogged.add(key)
          ctx.logger.log("info", `no context limit known for ${key}; the context-window monitor stays quiet for it`)
        }
        return
      }
    }
    if (entry.isReleased) return
    const usage = contextUsage(entry, ctx.limits)
    if (!usage) return
    const state = stateOf(entry)
    if (state.epoch !== entry.epoch) {
      state.epoch = entry.epoch
      state.fired.clear()
    }
    state.last = usage
    const crossed = thresholds.filter((t) => usage.ratio >= t && !state.fired.has(t))
    if (crossed.length === 0) return
    for (const t of crossed) state.fired.add(t)
    state.pending = statusLine(usage)
    const variant = usage.ratio >= (thresholds[thresholds.length - 1] ?? 1) ? "warning" : "info"
    ctx.logger.toast(
      `Context ${percent(usage.ratio)} used (${usage.used.toLocaleString("en-US")}/${usage.window.toLocaleString("en-US")} tokens)`,
      variant,
      "Context window",
    )
  }

  return {
    name: NAME,
    events: {
      "message.updated": (ev, entry) => {
        if (entry && ev.props.info && (ev.props.info as { role?: unknown }).role === "assistant") return check(entry)
      },
      "session.compacted": (_ev, entry) => {
        const state = entry?.peekState<MonitorState>(NAME)
        if (state && entry) {
          state.epoch = entry.epoch
          state.fired.clear()
          state.pending = undefined
          state.last = undefined
        }
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
    status: () => {
      const rows = ctx.store.entries().flatMap((e) => {
        const s = e.peekState<MonitorState>(NAME)
        const u = contextUsage(e, ctx.limits) ?? s?.last
        if (!u) return []
        return [[e.id, percent(u.ratio), `${u.used}/${u.window}`, u.limit.source, [...(s?.fired ?? [])].map(percent).join(",") || "-"]]
      })
      return {
        title: "context windows",
        data: rows.map(([id, pct, used, source, fired]) => ({ id, pct, used, source, fired })),
        text: rows.length ? table(["session", "used", "tokens", "limit from", "warned at"], rows) : "no usage reported yet",
      }
    },
  }
}
