/**
 * The sidebar snapshot: what the server half publishes per session for the TUI half.
 * A leaf module (node built-ins only) so the TUI module can import it without pulling
 * in the server's code. The server writes one small JSON file per session; the TUI
 * reads it. Nothing here is the truth: it is a view, rebuilt from the session's facts.
 */
import { homedir } from "node:os"
import { join } from "node:path"
import { detach } from "../runtime/detach"
import { oneLine } from "./text"

export const SNAPSHOT_VERSION = 1

/** The slash command the TUI runs to cancel a todo countdown (owned by todo-continuation). */
export const STOP_COMMAND = "longrun-stop"
export const STATUS_COMMAND = "longrun-status"

export interface SnapshotTask {
  description: string
  status: "queued" | "running" | "completed" | "error" | "cancelled"
  startedAt?: number
  endedAt?: number
  toolCalls: number
  tokens: number
}

export interface SidebarSnapshot {
  v: typeof SNAPSHOT_VERSION
  sessionID: string
  /** server clock (ms) when built; countdowns and elapsed times are relative to it */
  at: number
  /** the writer: its process (gone means the snapshot is stale) and its plugin instance */
  pid?: number
  iid?: string
  /** the writer refreshes `at` at least this often while the snapshot counts by itself (ms) */
  beat?: number
  /** the session's last activity as the writer saw it: with two writers, the newer news wins */
  activity?: number
  context: {
    /** tokens in use, as OpenCode counts them; undefined before the first reply */
    used?: number
    /** the model's window (limit.input, else limit.context); undefined until known */
    window?: number
    thresholdTokens?: number
    hostOverflowTokens?: number
    compactions: number
    phase: string
    inFlight: boolean
    /** false when the user turned OpenCode's (and so the plugin's) auto compaction off */
    auto: boolean
  }
  todo: {
    /** "disabled" when the todo hook does not run (turned off, or not available on this OpenCode) */
    state: "watching" | "countdown" | "sending" | "stopped" | "off" | "disabled"
    endsAt?: number
    reason?: string
    sent: number
    /** open todos / all todos, when the session has a todo list */
    open?: number
    total?: number
  }
  background: { running: number; tasks: SnapshotTask[] }
  pruning?: { parts: number; tokensSaved: number }
  /** the session's bill at the model's prices; absent before the first priced step */
  bill?: {
    dollars: number
    estimated: boolean
    /** share of prompt tokens read from the provider's prompt cache */
    hitRate: number
    busts: number
    bustDollars: number
    lastCause?: string
    /** what pruning saved, estimated */
    savedDollars: number
  }
  memory: {
    /** estimated bytes the plugin keeps for this session, and for all sessions */
    sessionBytes: number
    pluginBytes: number
    /** the host's RSS as the memory watchdog last sampled it; 0 when unknown */
    rssBytes: number
    /** RSS change per minute over the watchdog's window; undefined until known */
    rssPerMinBytes?: number
  }
}

/** Where snapshots live: $XDG_STATE_HOME/opencode-longrun/sidebar (fallback ~/.local/state). */
export function sidebarDir(env: Record<string, string | undefined> = process.env, override?: string): string {
  if (override) return override
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), ".local", "state")
  return join(state, "opencode-longrun", "sidebar")
}

/** Session ids become file names, so only safe characters pass. */
export function snapshotFile(dir: string, sessionID: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(sessionID)) return undefined
  return join(dir, `${sessionID}.json`)
}

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined)
/** One harmless line of at most `max` characters, copied: a cut must not keep a huge original alive. */
const str = (v: unknown, max = 200): string | undefined => (typeof v === "string" ? detach(oneLine(v.slice(0, max))) : undefined)
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? (v as Record<string, unknown>) : {})

const TODO_STATES = new Set(["watching", "countdown", "sending", "stopped", "off", "disabled"])
const TASK_STATES = new Set(["queued", "running", "completed", "error", "cancelled"])

/**
 * Parses a snapshot file's text defensively (the file may be half-written by an older
 * version, or edited). Returns undefined unless it is a snapshot of this version.
 */
export function parseSnapshot(text: string): SidebarSnapshot | undefined {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return undefined
  }
  const r = obj(raw)
  if (r.v !== SNAPSHOT_VERSION || typeof r.sessionID !== "string") return undefined
  const c = obj(r.context)
  const t = obj(r.todo)
  const b = obj(r.background)
  const m = obj(r.memory)
  const p = r.pruning === undefined ? undefined : obj(r.pruning)
  const bill = r.bill === undefined ? undefined : obj(r.bill)
  const todoState = TODO_STATES.has(t.state as string) ? (t.state as SidebarSnapshot["todo"]["state"]) : "watching"
  return {
    v: SNAPSHOT_VERSION,
    sessionID: str(r.sessionID, 200) ?? "",
    at: num(r.at) ?? 0,
    pid: num(r.pid),
    iid: str(r.iid, 40),
    beat: num(r.beat),
    activity: num(r.activity),
    context: {
      used: num(c.used),
      window: num(c.window),
      thresholdTokens: num(c.thresholdTokens),
      hostOverflowTokens: num(c.hostOverflowTokens),
      compactions: num(c.compactions) ?? 0,
      phase: str(c.phase, 40) ?? "idle",
      inFlight: c.inFlight === true,
      auto: c.auto !== false,
    },
    todo: {
      state: todoState,
      endsAt: num(t.endsAt),
      reason: str(t.reason, 80),
      sent: num(t.sent) ?? 0,
      open: num(t.open),
      total: num(t.total),
    },
    background: {
      running: num(b.running) ?? 0,
      tasks: (Array.isArray(b.tasks) ? b.tasks : []).slice(0, 20).map((x) => {
        const task = obj(x)
        return {
          description: str(task.description) ?? "",
          status: TASK_STATES.has(task.status as string) ? (task.status as SnapshotTask["status"]) : "running",
          startedAt: num(task.startedAt),
          endedAt: num(task.endedAt),
          toolCalls: num(task.toolCalls) ?? 0,
          tokens: num(task.tokens) ?? 0,
        }
      }),
    },
    pruning: p ? { parts: num(p.parts) ?? 0, tokensSaved: num(p.tokensSaved) ?? 0 } : undefined,
    bill: bill
      ? {
          dollars: num(bill.dollars) ?? 0,
          estimated: bill.estimated === true,
          hitRate: Math.min(1, Math.max(0, num(bill.hitRate) ?? 0)),
          busts: num(bill.busts) ?? 0,
          bustDollars: num(bill.bustDollars) ?? 0,
          lastCause: str(bill.lastCause, 40),
          savedDollars: num(bill.savedDollars) ?? 0,
        }
      : undefined,
    memory: {
      sessionBytes: num(m.sessionBytes) ?? 0,
      pluginBytes: num(m.pluginBytes) ?? 0,
      rssBytes: num(m.rssBytes) ?? 0,
      rssPerMinBytes: num(m.rssPerMinBytes),
    },
  }
}
