import { rec } from "../../events/json"
import { detach } from "../../runtime/detach"
import type { HookContext } from "../types"
import type { Outcome } from "./progress"
import { isFinished, type Task, type TaskStatus } from "./task"

/** Aborts of a child that failed before the plugin stops retrying and waits for the child to go quiet. */
export const MAX_ABORT_ATTEMPTS = 3

/** What a cancel request did to one task. */
export type CancelOutcome = "cancelled" | "already finished" | "still running" | "not started"

/**
 * Aborts a child session. Resolves with why it failed (a rejection, a timeout, or an
 * error answer), or undefined once OpenCode has stopped the child. Never rejects.
 */
export async function abortSession(ctx: HookContext, childID: string): Promise<string | undefined> {
  try {
    const res = rec(await ctx.client.session.abort({ path: { id: childID } }))
    if (!res?.error) return undefined
    return `session.abort answered ${JSON.stringify(res.error).slice(0, 200)}`
  } catch (err) {
    return `session.abort failed: ${err instanceof Error ? err.message : String(err)}`.slice(0, 300)
  }
}

export interface CancelDeps {
  finish: (
    task: Task,
    status: Exclude<TaskStatus, "queued" | "running">,
    error: string | undefined,
    opts: { notify: boolean; pump: boolean },
  ) => void
  pump: () => void
}

/**
 * Cancelling tasks. A queued task ends at once. A running one keeps its slot until
 * OpenCode has stopped its child (the abort answered, or the child ended): when the
 * abort fails, the task goes on running and its result is kept; the sweep retries
 * the abort, and after MAX_ABORT_ATTEMPTS gives the slot back only once the child
 * has been quiet for background_stale_ms.
 */
export class Cancels {
  constructor(
    private readonly ctx: HookContext,
    private readonly deps: CancelDeps,
  ) {}

  /** Cancels tasks together: none of the slots they free goes to another of them. */
  async cancel(targets: Task[], reason: string, notify: boolean): Promise<Array<{ task: Task; outcome: CancelOutcome }>> {
    const wasFinished = new Set(targets.filter(isFinished))
    const live = targets.filter((t) => !isFinished(t))
    for (const t of live) {
      if (t.status === "queued") this.deps.finish(t, "cancelled", reason, { notify, pump: false })
      else t.cancelling ??= { reason: detach(reason, 500), notify, attempts: 0, aborting: false }
    }
    await Promise.all(live.map((t) => this.stopChild(t)))
    this.deps.pump()
    return targets.map((task) => ({ task, outcome: outcomeOf(task, wasFinished.has(task)) }))
  }

  /** One abort of a cancelling task's child (never two at once); the task ends once it worked. */
  async stopChild(task: Task): Promise<void> {
    const c = task.cancelling
    // Without a child yet, the manager stops the task once the session exists.
    if (!c || c.aborting || !task.childID || isFinished(task)) return
    c.attempts++
    c.aborting = true
    const error = await abortSession(this.ctx, task.childID)
    c.aborting = false
    if (isFinished(task)) return
    if (!error) return this.deps.finish(task, "cancelled", c.reason, { notify: c.notify, pump: true })
    c.error = error
    this.ctx.logger.log("warn", `could not abort background session ${task.childID} (${task.id}): ${error}; it keeps its slot`)
  }

  /** The child of a cancelling task stopped: by the abort, or by itself (then its result is kept). */
  childStopped(task: Task, outcome: NonNullable<Outcome>): void {
    const c = task.cancelling!
    const status = outcome.status === "completed" ? "completed" : "cancelled"
    // The agent was told when the cancel failed: it is then told how the task ended.
    this.deps.finish(task, status, status === "cancelled" ? c.reason : undefined, {
      notify: c.notify || c.error !== undefined,
      pump: true,
    })
  }

  /** The sweep: retries failed aborts; past the retries, a child quiet for long enough has stopped. */
  retry(tasks: Iterable<Task>, now: number): void {
    for (const t of tasks) {
      const c = t.cancelling
      if (!c?.error || isFinished(t)) continue
      const quiet = now - t.lastActivityAt
      if (c.attempts < MAX_ABORT_ATTEMPTS) void this.stopChild(t)
      else if (quiet >= this.ctx.options.background_stale_ms)
        this.deps.finish(
          t,
          "cancelled",
          `${c.reason}; the abort failed (${c.error}) and the child has been quiet for ${Math.round(quiet / 1000)} s`,
          { notify: true, pump: true },
        )
    }
  }

  /** Aborts a child session; a failure is logged, never thrown. */
  abortChild(childID: string | undefined): Promise<void> {
    if (!childID) return Promise.resolve()
    return abortSession(this.ctx, childID).then((error) => {
      if (error) this.ctx.logger.log("warn", `could not abort background session ${childID}: ${error}`)
    })
  }
}

/** What cancelling a task did, as of now. */
export function outcomeOf(task: Task, wasFinished: boolean): CancelOutcome {
  if (wasFinished) return "already finished"
  if (isFinished(task)) return "cancelled"
  return task.childID ? "still running" : "not started"
}

/** background_cancel's answer: what really happened to each task. */
export function describeCancel(results: Array<{ task: Task; outcome: CancelOutcome }>): string {
  const named = (ts: Task[]) => ts.map((t) => `${t.id} (${t.description})`).join(", ")
  const of = (o: CancelOutcome) => results.filter((r) => r.outcome === o).map((r) => r.task)
  const lines: string[] = []
  const cancelled = of("cancelled")
  if (cancelled.length) lines.push(`Cancelled ${named(cancelled)}.`)
  for (const t of of("still running"))
    lines.push(
      `Could not cancel ${t.id} (${t.description}): ${t.cancelling?.error ?? "the abort failed"}. ` +
        "It is still running and keeps its slot; the abort is retried, and you will be told when it ends (its result is kept).",
    )
  const pending = of("not started")
  if (pending.length) lines.push(`Cancelling ${named(pending)}: the child session is still being created; it will not start.`)
  const done = of("already finished")
  if (done.length) lines.push(`Already finished: ${done.map((t) => `${t.id} (${t.status})`).join(", ")}.`)
  return lines.join(" ")
}
