import { type BackgroundFact, MAX_OPEN_TASK_VIEWS, MAX_TASK_VIEWS } from "../../cache/facts"
import type { LongrunOptions } from "../../options"
import type { TimerHandle } from "../../runtime/clock"
import type { HookContext } from "../types"
import { isFinished, runtime, type Task, view } from "./task"

/**
 * A parent's entry.background: every unfinished task first (the compaction summary
 * must name them all; up to MAX_OPEN_TASK_VIEWS), then the newest finished ones while
 * the list is shorter than MAX_TASK_VIEWS.
 */
export function backgroundFact(parentID: string, tasks: Iterable<Task>): BackgroundFact {
  const mine = [...tasks].filter((t) => t.parentID === parentID)
  const open = mine.filter((t) => !isFinished(t))
  const done = mine.filter(isFinished).slice(-Math.max(0, MAX_TASK_VIEWS - open.length))
  return { running: open.length, tasks: [...open.slice(0, MAX_OPEN_TASK_VIEWS), ...done].map(view) }
}

/** Running tasks the safety net must cancel (stale, or past their time limit), with the reason. */
export function overdue(tasks: Iterable<Task>, now: number, o: LongrunOptions): Array<[Task, string]> {
  const out: Array<[Task, string]> = []
  for (const t of tasks) {
    // a task being cancelled is the sweep's own business (see BackgroundManager.sweep)
    if (t.status !== "running" || t.cancelling) continue
    const quiet = now - t.lastActivityAt
    if (quiet >= o.background_stale_ms)
      out.push([t, `stale: no activity for ${Math.round(quiet / 1000)} s (background_stale_ms is ${o.background_stale_ms})`])
    else if (runtime(t, now) >= o.background_timeout_ms)
      out.push([
        t,
        `time limit: ran ${Math.round(runtime(t, now) / 1000)} s (background_timeout_ms is ${o.background_timeout_ms})`,
      ])
  }
  return out
}

/** Finished tasks past their retention, and the oldest finished ones while there are more than max. */
export function expired(tasks: Map<string, Task>, now: number, retentionMs: number, max: number): Task[] {
  const out: Task[] = []
  let size = tasks.size
  for (const t of tasks.values()) {
    if (!isFinished(t)) continue
    if (now - (t.endedAt ?? now) >= retentionMs || size > max) {
      out.push(t)
      size--
    }
  }
  return out
}

/** The manager's safety-net interval: runs only while tasks run. */
export class Sweeper {
  private handle: TimerHandle | undefined

  constructor(
    private readonly ctx: HookContext,
    private readonly run: () => void,
  ) {}

  start(): void {
    if (this.handle) return
    const o = this.ctx.options
    const every = Math.max(250, Math.min(10_000, Math.floor(o.background_stale_ms / 4), Math.floor(o.background_timeout_ms / 4)))
    this.handle = this.ctx.timers.setInterval(this.run, every)
  }

  stop(): void {
    this.ctx.timers.clear(this.handle)
    this.handle = undefined
  }

  get running(): boolean {
    return this.handle !== undefined
  }
}
