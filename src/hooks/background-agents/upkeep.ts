import { type BackgroundFact, MAX_OPEN_TASK_VIEWS, MAX_TASK_VIEWS } from "../../cache/facts"
import type { LongrunOptions } from "../../options"
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
