/**
 * Snapshot -> the lines of the sidebar section. Plain TypeScript so it is unit-tested
 * without a terminal; the TUI module only paints these lines. Every line fits WIDTH.
 */
import { isAlive } from "./files"
import type { SidebarSnapshot, SnapshotTask } from "./snapshot"
import { fitColumns, oneLine, padColumns } from "./text"

// The text width of OpenCode's sidebar (measured in tmux at 200 columns: longer lines wrap)
export const WIDTH = 36
/** finished background tasks stay listed this long */
export const FINISHED_SHOWN_MS = 5 * 60_000
const MAX_TASKS = 4
/** A snapshot that counts by itself is stale after this many of its writer's beats without news. */
const STALE_BEATS = 3
/** The beat of a snapshot that does not say (older releases, hand-written files). */
const DEFAULT_BEAT_MS = 10_000
/** A countdown this far past its end is over, whether or not the server said so. */
export const COUNTDOWN_GRACE_MS = 3_000

export type Tone = "title" | "normal" | "muted" | "warning" | "accent"

export interface Line {
  text: string
  tone: Tone
}

export interface RenderOptions {
  /** e.g. "esc" — shown as how to cancel a countdown */
  cancelKey?: string
  /** warnings shown under the title (e.g. a folder mismatch between the halves) */
  notes?: string[]
  /** what "no data" says; default: no data yet for this session */
  noData?: string
  /** whether the snapshot's writer still runs (tests pass their own) */
  alive?: (pid: number) => boolean
}

/** Why the snapshot cannot be live any more, or undefined while it can. */
export function staleWhy(s: SidebarSnapshot, now: number, alive: (pid: number) => boolean = isAlive): string | undefined {
  if (s.pid !== undefined && !alive(s.pid)) return "its OpenCode server is gone"
  const quiet = now - s.at
  if (countsByItself(s) && quiet > STALE_BEATS * (s.beat ?? DEFAULT_BEAT_MS)) return `no update for ${duration(quiet)}`
  return undefined
}

function countsByItself(s: SidebarSnapshot): boolean {
  return s.todo.state === "countdown" || s.background.tasks.some((t) => t.status === "running")
}

function countdownOver(s: SidebarSnapshot, now: number): boolean {
  return s.todo.endsAt === undefined || now > s.todo.endsAt + COUNTDOWN_GRACE_MS
}

/** A countdown that is still running (so its cancel key may be bound). */
export function countdownLive(s: SidebarSnapshot | undefined, now: number, alive?: (pid: number) => boolean): boolean {
  return s?.todo.state === "countdown" && !countdownOver(s, now) && staleWhy(s, now, alive) === undefined
}

export function tokens(n: number): string {
  if (n < 1000) return String(Math.round(n))
  if (n < 100_000) return `${(n / 1000).toFixed(1)}K`
  if (n < 1_000_000) return `${Math.round(n / 1000)}K`
  return `${(n / 1_000_000).toFixed(1)}M`
}

export function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  if (n < 1024 * 1024 * 1024) return `${Math.round(n / 1024 / 1024)} MB`
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GB`
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`
}

/** One line cut to `width` terminal columns. */
export function fit(text: string, width = WIDTH): string {
  return fitColumns(oneLine(text), width)
}

function contextLines(s: SidebarSnapshot): Line[] {
  const c = s.context
  const out: Line[] = []
  if (c.used !== undefined && c.window) {
    const pct = Math.round((c.used / c.window) * 100)
    out.push({ text: `context ${tokens(c.used)}/${tokens(c.window)} (${pct}%)`, tone: "normal" })
  } else if (c.window) {
    out.push({ text: `context window ${tokens(c.window)}`, tone: "normal" })
  } else {
    out.push({ text: "context: waiting for the first reply", tone: "muted" })
  }
  const at: string[] = []
  if (!c.auto) at.push("auto compaction off")
  else if (c.thresholdTokens !== undefined) at.push(`compact at ${tokens(c.thresholdTokens)}`)
  if (c.hostOverflowTokens !== undefined) at.push(`host at ${tokens(c.hostOverflowTokens)}`)
  if (at.length > 0) out.push({ text: at.join(" · "), tone: "muted" })
  let state = `compactions ${c.compactions}`
  if (c.inFlight) state += " · compacting now"
  else if (c.phase === "gave-up") state += " · gave up"
  out.push({ text: state, tone: c.inFlight ? "warning" : "muted" })
  return out
}

function todoLine(s: SidebarSnapshot, now: number, opts: RenderOptions, stale: boolean): Line[] {
  const t = s.todo
  const open = t.total && t.open !== undefined ? ` (${t.open}/${t.total} open)` : ""
  switch (t.state) {
    case "countdown": {
      if (countdownOver(s, now)) return [{ text: `todo: countdown ended${open}`, tone: "muted" }]
      if (stale) return [{ text: `todo: counting down (stale)${open}`, tone: "muted" }]
      const left = t.endsAt !== undefined ? Math.max(0, Math.ceil((t.endsAt - now) / 1000)) : 0
      const when = left > 0 ? `in ${left}s` : "now"
      const lines: Line[] = [{ text: `todo: continuing ${when}${open}`, tone: "warning" }]
      if (opts.cancelKey) lines.push({ text: `  ${opts.cancelKey} or /longrun-stop cancels`, tone: "muted" })
      return lines
    }
    case "sending":
      return [{ text: `todo: sending continuation${open}`, tone: "accent" }]
    case "stopped":
      return [{ text: `todo: stopped${t.reason ? ` (${t.reason})` : ""}`, tone: "muted" }]
    case "off":
      return [{ text: "todo: off for this session", tone: "muted" }]
    case "disabled":
      return [{ text: "todo: disabled", tone: "muted" }]
    default:
      return [{ text: `todo: armed${open}${t.sent ? ` · sent ${t.sent}` : ""}`, tone: "normal" }]
  }
}

function taskLines(task: SnapshotTask, now: number): Line[] {
  const running = task.status === "running" || task.status === "queued"
  const mark = task.status === "running" ? "▸" : task.status === "queued" ? "…" : task.status === "completed" ? "✓" : "✗"
  const end = running ? now : (task.endedAt ?? now)
  const time = task.startedAt !== undefined ? duration(end - task.startedAt) : task.status
  const head = `${mark} ${fit(task.description || "(no description)", WIDTH - 3 - time.length - 1)}`
  const detail = [`${task.toolCalls} steps`, `${tokens(task.tokens)} tok`]
  if (!running) detail.push(task.status)
  return [
    { text: `${padColumns(head, WIDTH - time.length)}${time}`, tone: running ? "normal" : "muted" },
    { text: `  ${detail.join(" · ")}`, tone: "muted" },
  ]
}

function backgroundLines(s: SidebarSnapshot, now: number): Line[] {
  const shown = s.background.tasks.filter(
    (t) => t.status === "running" || t.status === "queued" || t.endedAt === undefined || now - t.endedAt < FINISHED_SHOWN_MS,
  )
  if (shown.length === 0 && s.background.running === 0) return []
  const out: Line[] = [{ text: `background: ${s.background.running} running`, tone: "normal" }]
  // running first, then the most recent finished
  const ordered = [...shown].sort((a, b) => Number(b.status === "running") - Number(a.status === "running"))
  for (const t of ordered.slice(0, MAX_TASKS)) out.push(...taskLines(t, now))
  if (ordered.length > MAX_TASKS) out.push({ text: `  +${ordered.length - MAX_TASKS} more`, tone: "muted" })
  return out
}

const usd = (x: number) => `$${x < 10 ? x.toFixed(2) : x.toFixed(0)}`

function billLines(s: SidebarSnapshot): Line[] {
  const b = s.bill
  if (!b) return []
  const out: Line[] = [
    { text: `bill ${usd(b.dollars)}${b.estimated ? " est." : ""} · ${Math.round(b.hitRate * 100)}% cached`, tone: "normal" },
  ]
  if (b.busts > 0)
    out.push({
      text: `${b.busts} bust${b.busts > 1 ? "s" : ""} ${usd(b.bustDollars)}${b.lastCause ? ` · last: ${b.lastCause}` : ""}`,
      tone: "warning",
    })
  if (b.savedDollars >= 0.005) out.push({ text: `pruning saved ~${usd(b.savedDollars)}`, tone: "muted" })
  return out
}

function memoryLines(s: SidebarSnapshot): Line[] {
  const m = s.memory
  const out: Line[] = [{ text: `kept ${bytes(m.sessionBytes)} here, ${bytes(m.pluginBytes)} all`, tone: "muted" }]
  // no RSS line until the memory watchdog has sampled (or when it is off)
  if (!m.rssBytes) return out
  let rss = `rss ${bytes(m.rssBytes)}`
  if (m.rssPerMinBytes !== undefined) {
    const per = m.rssPerMinBytes
    const arrow = Math.abs(per) < 1024 * 1024 ? "→" : per > 0 ? "↑" : "↓"
    rss += ` ${arrow} ${per >= 0 ? "+" : "-"}${bytes(Math.abs(per))}/min`
  }
  out.push({ text: rss, tone: "muted" })
  return out
}

/** The section's lines for `now` (ms, same clock as the snapshot: one machine). */
export function renderSidebar(s: SidebarSnapshot | undefined, now: number, opts: RenderOptions = {}): Line[] {
  const out: Line[] = [{ text: "Longrun", tone: "title" }]
  for (const note of opts.notes ?? []) out.push({ text: note, tone: "warning" })
  if (!s) {
    out.push({ text: opts.noData ?? "no data yet for this session", tone: "muted" })
    return out.map((l) => ({ ...l, text: fit(l.text) }))
  }
  const why = staleWhy(s, now, opts.alive)
  if (why) out.push({ text: `stale: ${why}`, tone: "warning" })
  // A stale snapshot's clocks stop where its news stopped.
  const shownNow = why ? s.at : now
  out.push(...contextLines(s), ...todoLine(s, now, opts, why !== undefined), ...backgroundLines(s, shownNow))
  if (s.pruning && s.pruning.parts > 0) {
    out.push({ text: `pruned ${s.pruning.parts} parts, ~${tokens(s.pruning.tokensSaved)} tok`, tone: "muted" })
  }
  out.push(...billLines(s), ...memoryLines(s))
  return out.map((l) => ({ ...l, text: fit(l.text) }))
}

/** True while the lines change by themselves each second (a live countdown or a running task). */
export function ticking(s: SidebarSnapshot | undefined, now: number, alive?: (pid: number) => boolean): boolean {
  if (!s || staleWhy(s, now, alive) !== undefined) return false
  return (s.todo.state === "countdown" && !countdownOver(s, now)) || s.background.tasks.some((t) => t.status === "running")
}
