import { contextUsage } from "../../cache/context-usage"
import type { ModelLimits } from "../../cache/model-limits"
import type { SessionEntry } from "../../cache/session-entry"
import { detach } from "../../runtime/detach"
import { SNAPSHOT_VERSION, type SidebarSnapshot } from "../../sidebar/snapshot"
import { oneLine } from "../../sidebar/text"
import type { HostConfig } from "../types"
import type { Writer } from "./publish"

export interface MemoryView {
  sessionBytes: number
  pluginBytes: number
  rssBytes: number
  rssPerMinBytes?: number
}

export interface BuildDeps {
  limits: ModelLimits
  host: HostConfig
  /** the todo hook's fact: false when that hook does not run */
  todoRunning: boolean
  now: number
  memory: MemoryView
  writer: Writer & { beat: number }
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
    pid: deps.writer.pid,
    iid: deps.writer.iid,
    beat: deps.writer.beat,
    activity: entry.lastActivityAt,
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
      state: deps.todoRunning ? t.state : "disabled",
      endsAt: t.state === "countdown" ? t.endsAt : undefined,
      reason: t.state === "stopped" ? t.reason : undefined,
      sent: t.sent,
      open: todos ? todos.filter((x) => x.status !== "completed" && x.status !== "cancelled").length : undefined,
      total: todos?.length,
    },
    background: {
      running: entry.background.running,
      tasks: entry.background.tasks.map((task) => ({
        description: detach(oneLine(task.description.slice(0, 120))),
        status: task.status,
        startedAt: task.startedAt,
        endedAt: task.endedAt,
        toolCalls: task.toolCalls,
        tokens: task.tokens.input + task.tokens.output,
      })),
    },
    pruning:
      entry.pruning.partsPruned > 0 ? { parts: entry.pruning.partsPruned, tokensSaved: entry.pruning.tokensSaved } : undefined,
    bill: billView(entry),
    memory: { ...deps.memory },
  }
  return snap
}

function billView(entry: SessionEntry): SidebarSnapshot["bill"] {
  const b = entry.bill
  if (b.steps === 0) return undefined
  const prompt = b.input + b.cacheRead + b.cacheWrite
  return {
    dollars: b.dollars,
    estimated: b.estimated,
    hitRate: prompt > 0 ? b.cacheRead / prompt : 0,
    busts: b.busts,
    bustDollars: b.bustDollars,
    lastCause: b.lastBusts.at(-1)?.cause,
    savedDollars: Math.max(0, entry.pruning.dollarsSaved),
  }
}

/** The window before the first usage is known, from the model the session last used. */
function windowOf(entry: SessionEntry, limits: ModelLimits): number | undefined {
  if (!entry.providerID || !entry.modelID) return undefined
  const limit = limits.peek(entry.providerID, entry.modelID)
  return limit ? (limit.input ?? limit.context) : undefined
}

/**
 * What is worth rewriting a file for: what the session shows, without the timestamp, the
 * writer, and the memory figures. Memory moves all the time (RSS with every GC); it is
 * written along with the next real change, so an idle session's file stays put.
 */
export function contentKey(s: SidebarSnapshot): string {
  return JSON.stringify({ ...s, at: 0, activity: 0, memory: 0 })
}

/** The session is doing something that changes its snapshot without an event (timers). */
export function isLive(entry: SessionEntry): boolean {
  const t = entry.continuation.state
  return (
    entry.status === "busy" ||
    entry.status === "retry" ||
    t === "countdown" ||
    t === "sending" ||
    entry.background.running > 0 ||
    entry.compaction.inFlight
  )
}

/** The snapshot counts by itself in the TUI, so its writer must keep showing it is alive. */
export function countsByItself(s: SidebarSnapshot): boolean {
  return s.todo.state === "countdown" || s.background.tasks.some((t) => t.status === "running")
}
