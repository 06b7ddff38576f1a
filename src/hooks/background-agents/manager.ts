import type { SessionEntry } from "../../cache/session-entry"
import { num, rec, str, type ParsedEvent } from "../../events/parse"
import type { HookContext } from "../types"
import { estimateTaskBytes, isFinished, runtime, type Task, type TaskStatus } from "./task"

export const NAME = "background-agents"
const MAX_TASKS = 500
const NOTICE_RETRIES = 3

/**
 * What this hook keeps on a PARENT session's entry, for other hooks to read:
 * `running` counts that session's background tasks still queued or running
 * (todo-continuation does not prompt a session while it is above zero).
 */
export interface ParentView {
  running: number
}

export interface LaunchInput {
  parentID: string
  description: string
  prompt: string
  agent?: string
  model?: string
}

/**
 * Runs background tasks in child sessions. Progress and completion come from the
 * child's events; the final text is collected as it streams, so nothing reads
 * history. Concurrency is limited per model and per provider with a FIFO queue.
 */
export class BackgroundManager {
  readonly tasks = new Map<string, Task>()
  private readonly byChild = new Map<string, string>()
  private readonly queue: string[] = []
  private readonly notices = new Map<string, Promise<void>>()
  private readonly waiters = new Map<string, Set<() => void>>()
  private sweeper: ReturnType<typeof setInterval> | undefined
  private seq = 0

  constructor(private readonly ctx: HookContext) {}

  private get o() {
    return this.ctx.options
  }

  // ---- launching and slots ------------------------------------------------------------

  launch(input: LaunchInput): Task | string {
    const parent = this.ctx.store.peek(input.parentID)
    let providerID = parent?.providerID
    let modelID = parent?.modelID
    if (input.model) {
      const slash = input.model.indexOf("/")
      if (slash <= 0 || slash === input.model.length - 1) return `model must look like "provider/model", got "${input.model}"`
      providerID = input.model.slice(0, slash)
      modelID = input.model.slice(slash + 1)
    }
    if (!providerID || !modelID) return "no model known for this session yet; pass model as \"provider/model\""
    this.prune()
    const now = this.ctx.now()
    const task: Task = {
      id: `bg_${(++this.seq).toString(36)}${Math.random().toString(36).slice(2, 6)}`,
      parentID: input.parentID,
      description: input.description.slice(0, 200),
      prompt: input.prompt.slice(0, 50_000),
      agent: input.agent ?? "general",
      providerID,
      modelID,
      status: "queued",
      createdAt: now,
      lastActivityAt: now,
      sawBusy: false,
      toolCalls: 0,
      toolParts: new Set(),
      tokens: { input: 0, output: 0 },
      lastText: undefined,
      released: true, // holds no slot until it starts
    }
    this.tasks.set(task.id, task)
    this.queue.push(task.id)
    this.updateParent(task.parentID)
    this.pump()
    return task
  }

  private limitFor(task: Task): { model: number; provider: number } {
    const key = `${task.providerID}/${task.modelID}`
    return {
      model: this.o.background_model_concurrency[key] ?? this.o.background_concurrency,
      provider: this.o.background_provider_concurrency[task.providerID] ?? Number.POSITIVE_INFINITY,
    }
  }

  private holding(pred: (t: Task) => boolean): number {
    let n = 0
    for (const t of this.tasks.values()) if (!t.released && pred(t)) n++
    return n
  }

  /** Starts queued tasks, in order, while their model and provider have free slots. */
  private pump(): void {
    for (let i = 0; i < this.queue.length; i++) {
      const task = this.tasks.get(this.queue[i]!)
      if (!task || task.status !== "queued") {
        this.queue.splice(i--, 1)
        continue
      }
      const limit = this.limitFor(task)
      const sameModel = this.holding((t) => t.providerID === task.providerID && t.modelID === task.modelID)
      const sameProvider = this.holding((t) => t.providerID === task.providerID)
      if (sameModel >= limit.model || sameProvider >= limit.provider) continue
      this.queue.splice(i--, 1)
      task.released = false
      task.status = "running"
      task.startedAt = this.ctx.now()
      task.lastActivityAt = task.startedAt
      this.ensureSweeper()
      void this.start(task)
    }
  }

  private async start(task: Task): Promise<void> {
    try {
      const created = rec(
        await this.ctx.client.session.create({
          body: { parentID: task.parentID, title: `${task.description} (@${task.agent} background)` },
        }),
      )
      const childID = str(rec(created?.data)?.id)
      if (!childID) throw new Error(`could not create the child session: ${JSON.stringify(created?.error ?? created).slice(0, 200)}`)
      if (isFinished(task)) {
        // cancelled while the session was being created
        void this.ctx.client.session.abort({ path: { id: childID } })
        return
      }
      task.childID = childID
      this.byChild.set(childID, task.id)
      const prompt = task.prompt ?? ""
      task.prompt = undefined
      const sent = rec(
        await this.ctx.client.session.promptAsync({
          path: { id: childID },
          body: {
            agent: task.agent,
            model: { providerID: task.providerID, modelID: task.modelID },
            parts: [{ type: "text", text: prompt }],
          } as never,
        }),
      )
      if (sent?.error) throw new Error(`could not send the prompt: ${JSON.stringify(sent.error).slice(0, 200)}`)
    } catch (err) {
      this.finish(task, "error", err instanceof Error ? err.message : String(err))
    }
  }

  /** Ends a task once: records the outcome, gives the slot back, tells the parent. */
  finish(task: Task, status: Exclude<TaskStatus, "queued" | "running">, error?: string, notify = true): void {
    if (isFinished(task)) return
    task.status = status
    task.endedAt = this.ctx.now()
    if (error) task.error = error.slice(0, 500)
    if (task.lastText) {
      task.result = task.lastText.text
      task.resultLength = task.lastText.length
    }
    task.lastText = undefined
    task.toolParts.clear()
    task.prompt = undefined
    if (!task.released) task.released = true
    const q = this.queue.indexOf(task.id)
    if (q >= 0) this.queue.splice(q, 1)
    for (const wake of this.waiters.get(task.id) ?? []) wake()
    this.waiters.delete(task.id)
    this.updateParent(task.parentID)
    this.pump()
    if (this.runningCount() === 0) this.stopSweeper()
    if (notify) this.notifyParent(task)
  }

  async cancel(task: Task, reason: string, notify = true): Promise<void> {
    if (isFinished(task)) return
    const childID = task.childID
    this.finish(task, "cancelled", reason, notify)
    if (childID) {
      try {
        await this.ctx.client.session.abort({ path: { id: childID } })
      } catch (err) {
        this.ctx.logger.log("warn", `could not abort background session ${childID}: ${String(err)}`)
      }
    }
  }

  runningCount(parentID?: string): number {
    let n = 0
    for (const t of this.tasks.values())
      if ((t.status === "running" || t.status === "queued") && (!parentID || t.parentID === parentID)) n++
    return n
  }

  private updateParent(parentID: string): void {
    const entry = this.ctx.store.peek(parentID) ?? this.ctx.store.touch(parentID)
    entry.state<ParentView>(NAME, () => ({ running: 0 }), { estimate: () => 48 }).running = this.runningCount(parentID)
  }

  // ---- waiting ------------------------------------------------------------------------

  /** Resolves when the task ends or after `ms`, whichever is first. */
  wait(task: Task, ms: number, signal?: AbortSignal): Promise<void> {
    if (isFinished(task) || ms <= 0) return Promise.resolve()
    return new Promise((resolve) => {
      const set = this.waiters.get(task.id) ?? new Set()
      const done = () => {
        this.ctx.timers.clear(timer)
        set.delete(done)
        signal?.removeEventListener("abort", done)
        resolve()
      }
      const timer = this.ctx.timers.setTimeout(done, ms)
      set.add(done)
      this.waiters.set(task.id, set)
      signal?.addEventListener("abort", done, { once: true })
    })
  }

  // ---- events -------------------------------------------------------------------------

  taskOf(sessionID: string | undefined): Task | undefined {
    if (!sessionID) return undefined
    const id = this.byChild.get(sessionID)
    const task = id ? this.tasks.get(id) : undefined
    return task && task.status === "running" ? task : undefined
  }

  onChildEvent(ev: ParsedEvent): void {
    const task = this.taskOf(ev.sessionID)
    if (!task) return
    const now = this.ctx.now()
    task.lastActivityAt = now
    const max = this.o.background_result_max_chars
    switch (ev.type) {
      case "message.part.updated": {
        const part = rec(ev.props.part)
        const type = str(part?.type)
        const partID = str(part?.id)
        if (type === "tool" && partID) {
          if (!task.toolParts.has(partID)) {
            task.toolParts.add(partID)
            task.toolCalls++
          }
          task.lastTool = str(part?.tool) ?? task.lastTool
        } else if (type === "text" && partID && part?.synthetic !== true) {
          const text = str(part?.text) ?? ""
          task.lastText = { partID, text: text.slice(0, max), length: text.length }
        }
        break
      }
      case "message.part.delta": {
        const partID = str(ev.props.partID)
        const delta = str(ev.props.delta) ?? ""
        if (!partID || str(ev.props.field) !== "text") break
        if (task.lastText?.partID !== partID) task.lastText = { partID, text: "", length: 0 }
        const lt = task.lastText
        if (lt.text.length < max) lt.text += delta.slice(0, max - lt.text.length)
        lt.length += delta.length
        break
      }
      case "message.updated": {
        const info = rec(ev.props.info)
        if (str(info?.role) !== "assistant") break
        const t = rec(info?.tokens)
        task.tokens = { input: num(t?.input) ?? 0, output: num(t?.output) ?? 0 }
        const error = rec(info?.error)
        if (error && str(error.name) !== "MessageAbortedError") task.error = str(rec(error.data)?.message) ?? str(error.name)
        break
      }
      case "session.status": {
        const type = str(rec(ev.props.status)?.type)
        if (type === "busy" || type === "retry") task.sawBusy = true
        else if (type === "idle" && task.sawBusy) this.finish(task, task.error ? "error" : "completed", task.error)
        break
      }
      case "session.idle":
        if (task.sawBusy) this.finish(task, task.error ? "error" : "completed", task.error)
        break
      case "session.error": {
        const error = rec(ev.props.error)
        const name = str(error?.name)
        if (name === "MessageAbortedError") this.finish(task, "cancelled", "the child session was aborted")
        else this.finish(task, "error", str(rec(error?.data)?.message) ?? name ?? "unknown error")
        break
      }
      case "session.deleted":
        this.finish(task, "error", "the child session was deleted")
        break
    }
  }

  /** A parent session went away: its tasks are cancelled, with nobody left to tell. */
  onParentDeleted(entry: SessionEntry | undefined, sessionID: string | undefined): void {
    const id = entry?.id ?? sessionID
    if (!id) return
    for (const t of this.tasks.values()) if (t.parentID === id && !isFinished(t)) void this.cancel(t, "the parent session was deleted", false)
  }

  // ---- stale detection, time limits, pruning ------------------------------------------

  private ensureSweeper(): void {
    if (this.sweeper) return
    const every = Math.max(250, Math.min(10_000, Math.floor(this.o.background_stale_ms / 4), Math.floor(this.o.background_timeout_ms / 4)))
    this.sweeper = this.ctx.timers.setInterval(() => this.sweep(), every)
  }

  private stopSweeper(): void {
    this.ctx.timers.clear(this.sweeper)
    this.sweeper = undefined
  }

  get sweeperRunning(): boolean {
    return this.sweeper !== undefined
  }

  /** The safety net: cancels stale and overdue tasks. Runs only while tasks run. */
  sweep(): void {
    const now = this.ctx.now()
    for (const t of [...this.tasks.values()]) {
      if (t.status !== "running") continue
      const quiet = now - t.lastActivityAt
      if (quiet >= this.o.background_stale_ms)
        void this.cancel(t, `stale: no activity for ${Math.round(quiet / 1000)} s (background_stale_ms is ${this.o.background_stale_ms})`)
      else if (runtime(t, now) >= this.o.background_timeout_ms)
        void this.cancel(t, `time limit: ran ${Math.round(runtime(t, now) / 1000)} s (background_timeout_ms is ${this.o.background_timeout_ms})`)
    }
    this.prune()
    if (this.runningCount() === 0) this.stopSweeper()
  }

  /** Drops finished tasks past their retention, and the oldest beyond the cap. */
  prune(): void {
    const now = this.ctx.now()
    for (const [id, t] of this.tasks) {
      if (isFinished(t) && now - (t.endedAt ?? now) >= this.o.background_retention_ms) this.drop(id, t)
    }
    if (this.tasks.size <= MAX_TASKS) return
    for (const [id, t] of this.tasks) {
      if (this.tasks.size <= MAX_TASKS) break
      if (isFinished(t)) this.drop(id, t)
    }
  }

  private drop(id: string, t: Task): void {
    this.tasks.delete(id)
    if (t.childID) this.byChild.delete(t.childID)
  }

  // ---- telling the parent -------------------------------------------------------------

  /** Notices to one parent go out one after another, never interleaved. */
  private notifyParent(task: Task): void {
    const still = this.runningCount(task.parentID)
    const secs = Math.round(runtime(task, this.ctx.now()) / 1000)
    const lines = [`[longrun] Background task ${task.id} (${task.description}) ${task.status} after ${secs} s.`]
    if (task.error) lines.push(`Reason: ${task.error}`)
    let noReply = true
    if (still > 0) {
      lines.push(`${still} background task(s) of this session still running.`)
    } else {
      noReply = false
      const recent = [...this.tasks.values()].filter((t) => t.parentID === task.parentID && isFinished(t) && t.endedAt !== undefined)
      lines.push(
        "All background tasks of this session are done. Read their results with background_output: " +
          recent.map((t) => `${t.id} (${t.description}: ${t.status})`).join(", ") + ".",
      )
    }
    this.ctx.logger.toast(`${task.description}: ${task.status}${still ? `, ${still} still running` : ""}`, task.status === "completed" ? "success" : "warning", "Background task")
    const parent = this.ctx.store.peek(task.parentID)
    const body: Record<string, unknown> = { noReply, parts: [{ type: "text", text: lines.join("\n") }] }
    if (parent?.agent) body.agent = parent.agent
    if (parent?.providerID && parent.modelID) body.model = { providerID: parent.providerID, modelID: parent.modelID }
    const previous = this.notices.get(task.parentID) ?? Promise.resolve()
    const next = previous.then(() => this.sendNotice(task.parentID, body))
    this.notices.set(task.parentID, next)
    void next.finally(() => {
      if (this.notices.get(task.parentID) === next) this.notices.delete(task.parentID)
    })
  }

  private async sendNotice(parentID: string, body: Record<string, unknown>): Promise<void> {
    for (let attempt = 0; attempt < NOTICE_RETRIES; attempt++) {
      try {
        const res = rec(await this.ctx.client.session.promptAsync({ path: { id: parentID }, body: body as never }))
        if (!res?.error) return
      } catch {
        // retried below
      }
      await new Promise<void>((r) => this.ctx.timers.setTimeout(r, 500 * 2 ** attempt))
    }
    this.ctx.logger.log("warn", `could not deliver a background notice to ${parentID} after ${NOTICE_RETRIES} attempts`)
  }

  /** Resolves when every queued notice has been sent (tests). */
  async noticesSent(): Promise<void> {
    while (this.notices.size > 0) await Promise.allSettled([...this.notices.values()])
  }

  estimateBytes(): number {
    let b = 0
    for (const t of this.tasks.values()) b += estimateTaskBytes(t)
    return b
  }

  dispose(): void {
    this.stopSweeper()
    for (const set of this.waiters.values()) for (const wake of set) wake()
    this.waiters.clear()
  }
}
