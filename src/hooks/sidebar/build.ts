import { contextUsage } from "../../cache/context-usage"
import type { ModelLimits } from "../../cache/model-limits"
import type { SessionEntry } from "../../cache/session-entry"
import { SNAPSHOT_VERSION, type SidebarSnapshot } from "../../sidebar/snapshot"
import type { HostConfig } from "../types"

export interface MemoryView {
  sessionBytes: number
  pluginBytes: number
  rssBytes: number
  rssPerMinBytes?: number
}

export interface BuildDeps {
  limits: ModelLimits
  host: HostConfig
  /** false when todo-continuation is in disabled_hooks */
  todoEnabled: boolean
  now: number
  memory: MemoryView
}

/** A session's snapshot, read from the typed facts on its entry (never from OpenCode). */
export function buildSnapshot(entry: SessionEntry, deps: BuildDeps): SidebarSnapshot {
  const usage = contextUsage(entry, deps.limits)
  const used = usage?.used ?? entry.usage?.total
  const c = entry.compaction
  const t = entry.continuation
  const todos = entry.todos
  const snap: SidebarSnapshot = {
    v: SNAPSHOT_VERSION,
    sessionID: entry.id,
    at: deps.now,
    context: {
      // OpenCode's first update of a new reply carries zero tokens: show nothing rather than 0.
      used: used ? used : undefined,
      window: usage?.window ?? windowOf(entry, deps.limits),
      thresholdTokens: c.thresholdTokens,
      hostOverflowTokens: c.hostOverflowTokens,
      compactions: c.compactions,
      phase: c.phase,
      inFlight: c.inFlight,
      auto: deps.host.autoCompaction,
    },
    todo: {
      state: deps.todoEnabled ? t.state : "disabled",
      endsAt: t.state === "countdown" ? t.endsAt : undefined,
      reason: t.state === "stopped" ? t.reason : undefined,
      sent: t.sent,
      open: todos ? todos.filter((x) => x.status !== "completed" && x.status !== "cancelled").length : undefined,
      total: todos?.length,
    },
    background: {
      running: entry.background.running,
      tasks: entry.background.tasks.map((task) => ({
        description: task.description.slice(0, 120),
        status: task.status,
        startedAt: task.startedAt,
        endedAt: task.endedAt,
        toolCalls: task.toolCalls,
        tokens: task.tokens.input + task.tokens.output,
      })),
    },
    pruning:
      entry.pruning.partsPruned > 0 ? { parts: entry.pruning.partsPruned, tokensSaved: entry.pruning.tokensSaved } : undefined,
    memory: { ...deps.memory },
  }
  return snap
}

/** The window before the first usage is known, from the model the session last used. */
function windowOf(entry: SessionEntry, limits: ModelLimits): number | undefined {
  if (!entry.providerID || !entry.modelID) return undefined
  const limit = limits.peek(entry.providerID, entry.modelID)
  return limit ? (limit.input ?? limit.context) : undefined
}

/** The snapshot's content without its timestamp: equal keys mean nothing worth rewriting. */
export function contentKey(s: SidebarSnapshot): string {
  return JSON.stringify({ ...s, at: 0 })
}
