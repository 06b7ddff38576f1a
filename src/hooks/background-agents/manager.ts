import type { LongrunEvent } from "../../events/types"
import { detach } from "../../runtime/detach"
import type { HookContext } from "../types"
import { type CancelOutcome, Cancels } from "./cancel"
import { startChild } from "./child"
import { Notices } from "./notices"
import { applyChildEvent } from "./progress"
import { TaskJournal } from "./restore"
import { Slots } from "./slots"
import { Waiters } from "./waiters"
import type { LaunchInput } from "./task"
import { backgroundFact, expired, overdue, Sweeper } from "./upkeep"
import { chooseModel, estimateTaskBytes, isFinished, newTask, type Task, type TaskStatus } from "./task"

export const NAME = "background-agents"
const MAX_TASKS = 500
/** Launches waiting for a slot, across all sessions; more are refused with a message. */
export const MAX_QUEUED = 100

/**
 * Runs background tasks in child sessions. Progress and completion come from the
 * child's events; the final text is collected as it streams, so nothing reads
 * history. Concurrency is limited per model and per provider with a FIFO queue.
 * Publishes entry.background on each parent session (its only writer).
 */
export class BackgroundManager {
  readonly tasks = new Map<string, Task>()
  private readonly byChild = new Map<string, string>()
  private readonly slots: Slots
  readonly notices: Notices
  private readonly waiters: Waiters
  private readonly cancels: Cancels
  private readonly journal: TaskJournal
  private readonly sweeper: Sweeper
  private seq = 0
  private disposed = false
  /** parents deleted lately: OpenCode deletes the children first, then the parent */
  private readonly goneParents = new Set<string>()

  constructor(private readonly ctx: HookContext) {
    const o = ctx.options
    this.slots = new Slots(
      {
        model: (p, m) => o.background_model_concurrency[`${p}/${m}`] ?? o.background_concurrency,
        provider: (p) => o.background_provider_concurrency[p] ?? Number.POSITIVE_INFINITY,
      },
      MAX_QUEUED,
    )
    this.notices = new Notices(ctx, (parentID, ids) => this.journal.told(parentID, ids))
    this.waiters = new Waiters(ctx.timers)
    this.sweeper = new Sweeper(ctx, () => this.sweep())
    this.cancels = new Cancels(ctx, {
      finish: (task, status, error, opts) => this.finish(task, status, error, opts),
      pump: () => this.pump(),
    })
    this.journal = new TaskJournal(ctx, this.tasks, {
      notices: this.notices,
      enqueue: (t) => this.slots.enqueue(t),
      occupy: (t) => {
        this.slots.occupy(t)
        if (t.childID) this.byChild.set(t.childID, t.id)
        this.sweeper.start()
      },
      finish: (t, status, error) => this.finish(t, status, error),
      notify: (t) => this.notifyParent(t),
      publish: (id) => this.publish(id),
      pump: () => this.pump(),
    })
  }

  launch(input: LaunchInput): Task | string {
    const parent = this.ctx.store.peek(input.parentID)
    const model = chooseModel(input.model, parent?.providerID, parent?.modelID)
    if (typeof model === "string") return model
    const { providerID, modelID } = model
    if (this.slots.queued >= MAX_QUEUED)
      return `${MAX_QUEUED} background tasks are already waiting for a slot; wait for some to finish or cancel them with background_cancel`
    if (this.tasks.size >= MAX_TASKS) this.prune()
    const now = this.ctx.now()
    const id = `bg_${(++this.seq).toString(36)}${Math.random().toString(36).slice(2, 6)}`
    const task = newTask(id, input, providerID, modelID, now)
    this.slots.enqueue(task)
    this.tasks.set(task.id, task)
    this.pump()
    this.publish(task.parentID)
    this.journal.save(task.parentID)
    return task
  }

  /** Starts queued tasks, in order, while their model and provider have free slots. */
  private pump(): void {
    if (this.disposed) return
    for (const task of this.slots.take()) {
      task.status = "running"
      task.startedAt = this.ctx.now()
      task.lastActivityAt = task.startedAt
      this.sweeper.start()
      void this.start(task)
    }
  }

  private async start(task: Task): Promise<void> {
    try {
      await startChild(this.ctx, task, (childID) => {
        this.byChild.set(childID, task.id)
        this.journal.save(task.parentID)
      })
      this.journal.save(task.parentID) // the child has its prompt
      // Cancelled while the prompt was on its way: the child must not run unwatched.
      if (isFinished(task)) void this.cancels.abortChild(task.childID)
      else if (task.cancelling && task.childID) void this.cancels.stopChild(task)
      // Cancelled while its session was being created: no prompt went out, nothing runs.
      else if (task.cancelling)
        this.finish(task, "cancelled", task.cancelling.reason, { notify: task.cancelling.notify, pump: true })
    } catch (err) {
      this.finish(task, "error", err instanceof Error ? err.message : String(err))
      // The prompt may have arrived even though the call failed or timed out.
      void this.cancels.abortChild(task.childID)
    }
  }

  /**
   * Ends a task once: records the outcome, gives the slot back, tells the parent.
   * With pump false the freed slot is not given to the next queued task yet (the
   * caller is cancelling several and pumps once at the end).
   */
  finish(
    task: Task,
    status: Exclude<TaskStatus, "queued" | "running">,
    error?: string,
    opts = { notify: true, pump: true },
  ): void {
    if (isFinished(task) || this.disposed) return
    task.status = status
    task.endedAt = this.ctx.now()
    if (error) task.error = detach(error, 500)
    if (task.lastText) {
      task.result = task.lastText.text
      task.resultLength = task.lastText.length
      task.resultRef = { messageID: task.lastText.messageID, partID: task.lastText.partID }
    }
    task.lastText = undefined
    task.toolParts.clear()
    task.prompt = undefined
    this.slots.release(task)
    this.slots.remove(task)
    this.waiters.wake(task.id)
    if (opts.pump) this.pump()
    this.publish(task.parentID)
    this.journal.save(task.parentID)
    if (this.runningCount() === 0) this.sweeper.stop()
    if (opts.notify) this.notifyParent(task)
  }

  /** Cancels tasks together (see ./cancel.ts): resolves with what happened to each. */
  cancel(targets: Task[], reason: string, notify = true): Promise<Array<{ task: Task; outcome: CancelOutcome }>> {
    return this.cancels.cancel(targets, reason, notify)
  }

  runningCount(parentID?: string): number {
    let n = 0
    for (const t of this.tasks.values())
      if ((t.status === "running" || t.status === "queued") && (!parentID || t.parentID === parentID)) n++
    return n
  }

  /** Writes the parent's entry.background fact. */
  private publish(parentID: string): void {
    if (this.disposed) return
    const entry = this.ctx.store.peek(parentID) ?? this.ctx.store.touch(parentID)
    Object.assign(entry.background, backgroundFact(parentID, this.tasks.values()))
  }

  /** Resolves when the task ends or after `ms`, whichever is first. */
  wait(task: Task, ms: number, signal?: AbortSignal): Promise<void> {
    if (isFinished(task) || ms <= 0) return Promise.resolve()
    return this.waiters.wait(task.id, ms, signal)
  }

  taskOf(sessionID: string | undefined): Task | undefined {
    const id = sessionID ? this.byChild.get(sessionID) : undefined
    const task = id ? this.tasks.get(id) : undefined
    return task && task.status === "running" ? task : undefined
  }

  onChildEvent(ev: LongrunEvent): void {
    const task = this.taskOf(ev.sessionID)
    if (!task) return
    task.lastActivityAt = this.ctx.now()
    const outcome = applyChildEvent(task, ev, this.ctx.options.background_result_max_chars)
    if (outcome && task.cancelling) this.cancels.childStopped(task, outcome)
    else if (outcome && ev.type === "session.deleted") {
      // Deleting a parent deletes its children first: wait a tick before the freed slot goes to
      // the next task or the parent is told, so that a parent deletion right behind cancels both.
      this.finish(task, outcome.status, outcome.error, { notify: false, pump: false })
      this.ctx.timers.setTimeout(() => {
        this.pump()
        if (!this.goneParents.has(task.parentID)) this.notifyParent(task)
      }, 0)
    } else if (outcome) this.finish(task, outcome.status, outcome.error)
    else if (ev.type === "message.updated" || ev.type === "message.part.updated") this.publish(task.parentID)
  }

  /** A parent session went away: its tasks are cancelled, with nobody left to tell. */
  onParentDeleted(parentID: string): void {
    this.goneParents.add(parentID)
    if (this.goneParents.size > 100) this.goneParents.delete(this.goneParents.values().next().value!)
    const mine = [...this.tasks.values()].filter((t) => t.parentID === parentID && !isFinished(t))
    if (mine.length > 0) void this.cancel(mine, "the parent session was deleted", false)
  }

  get sweeperRunning(): boolean {
    return this.sweeper.running
  }

  /** The safety net: cancels stale and overdue tasks. Runs only while tasks run. */
  sweep(): void {
    const now = this.ctx.now()
    this.cancels.retry(this.tasks.values(), now)
    for (const [t, reason] of overdue(this.tasks.values(), now, this.ctx.options)) void this.cancel([t], reason)
    this.prune()
    if (this.runningCount() === 0) this.sweeper.stop()
  }

  /** Drops finished tasks past their retention, and the oldest finished beyond the cap. */
  prune(): void {
    const parents = new Set<string>()
    for (const t of expired(this.tasks, this.ctx.now(), this.ctx.options.background_retention_ms, MAX_TASKS)) {
      this.tasks.delete(t.id)
      if (t.childID) this.byChild.delete(t.childID)
      parents.add(t.parentID)
    }
    for (const parentID of parents) {
      if (this.ctx.store.peek(parentID)) this.publish(parentID)
      this.journal.save(parentID)
    }
  }

  notifyParent(task: Task): void {
    const still = this.runningCount(task.parentID)
    const siblings = [...this.tasks.values()].filter((t) => t.parentID === task.parentID && isFinished(t))
    this.notices.taskEnded(task, still, siblings)
  }

  /** Resolves when every queued notice has been sent (tests). */
  noticesSent(): Promise<void> {
    return this.notices.settled()
  }

  estimateBytes(): number {
    let b = 0
    for (const t of this.tasks.values()) b += estimateTaskBytes(t)
    return b
  }

  dispose(): void {
    this.disposed = true
    this.sweeper.stop()
    this.waiters.wakeAll()
  }
}
