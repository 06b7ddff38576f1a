import { promptFields } from "../../cache/prompt-choice"
import { rec } from "../../events/json"
import type { HookContext } from "../types"
import { noticeText } from "./notice-text"
import type { Task } from "./task"

const ATTEMPTS = 3
const BACKOFF_MS = 500
/** prompt_async answers at once (it only queues the prompt): an attempt that takes longer is given up. */
export const NOTICE_ATTEMPT_MS = 5_000

interface Pending {
  seq: number
  body: Record<string, unknown>
  /** the tasks whose end this notice tells (a waking notice lists every finished one) */
  tells: string[]
  attempts: number
  /** clock ms before which a failed notice is not tried again */
  notBefore: number
}

/**
 * Notices to a parent session, one call at a time per parent. A notice whose attempt
 * fails or hangs (each attempt is given up after NOTICE_ATTEMPT_MS) goes to the back
 * of the parent's queue with a backoff, so the notices behind it do not wait for its
 * retries; after ATTEMPTS it is dropped. The last notice of a batch (the one that
 * wakes the parent) lists every result, so an older notice still waiting behind it is
 * dropped as superseded rather than arriving out of date.
 */
export class Notices {
  private readonly queues = new Map<string, Pending[]>()
  private readonly draining = new Map<string, Promise<void>>()
  /** per parent: seq of the newest waking notice delivered */
  private readonly supersededBelow = new Map<string, number>()
  private seq = 0
  delivered = 0
  lost = 0
  superseded = 0

  constructor(
    private readonly ctx: HookContext,
    /** a notice was delivered: its tasks' parent has been told (journaled) */
    private readonly onTold: (parentID: string, taskIDs: string[]) => void = () => {},
  ) {}

  /** A toast for the user and a notice to the parent session, with the agent, model, variant and tools the person chose. */
  taskEnded(task: Task, stillRunning: number, finished: Task[]): void {
    const { text, noReply } = noticeText(task, stillRunning, finished, this.ctx.now())
    this.ctx.logger.toast(
      `${task.description}: ${task.status}${stillRunning ? `, ${stillRunning} still running` : ""}`,
      task.status === "completed" ? "success" : "warning",
      "Background task",
    )
    const parent = this.ctx.store.peek(task.parentID)
    const body: Record<string, unknown> = { ...(parent ? promptFields(parent) : {}), noReply, parts: [{ type: "text", text }] }
    this.send(task.parentID, body, noReply ? [task.id] : [task.id, ...finished.map((t) => t.id)])
  }

  send(parentID: string, body: Record<string, unknown>, tells: string[] = []): void {
    const queue = this.queues.get(parentID) ?? []
    queue.push({ seq: ++this.seq, body, tells, attempts: 0, notBefore: 0 })
    this.queues.set(parentID, queue)
    if (this.draining.has(parentID)) return
    const run = this.drain(parentID).finally(() => this.draining.delete(parentID))
    this.draining.set(parentID, run)
  }

  private async drain(parentID: string): Promise<void> {
    for (;;) {
      const queue = this.queues.get(parentID)
      if (!queue?.length || this.ctx.timers.isClosed) {
        this.queues.delete(parentID)
        this.supersededBelow.delete(parentID)
        return
      }
      const now = this.ctx.now()
      const i = queue.findIndex((p) => p.notBefore <= now)
      if (i < 0) {
        await this.ctx.timers.sleep(Math.min(...queue.map((p) => p.notBefore)) - now)
        continue
      }
      const [next] = queue.splice(i, 1)
      const item = next!
      if (item.seq < (this.supersededBelow.get(parentID) ?? 0)) {
        this.superseded++
        continue
      }
      item.attempts++
      if (await this.attempt(parentID, item.body)) {
        this.delivered++
        if (item.tells.length) this.onTold(parentID, item.tells)
        if (item.body.noReply === false) this.supersededBelow.set(parentID, item.seq)
      } else if (item.attempts >= ATTEMPTS) {
        this.lost++
        this.ctx.logger.log("warn", `could not deliver a background notice to ${parentID} after ${ATTEMPTS} attempts`)
      } else {
        item.notBefore = this.ctx.now() + BACKOFF_MS * 2 ** (item.attempts - 1)
        queue.push(item)
      }
    }
  }

  /** One call, given up after NOTICE_ATTEMPT_MS; true when OpenCode took the notice. */
  private async attempt(parentID: string, body: Record<string, unknown>): Promise<boolean> {
    const abort = new AbortController()
    const timer = this.ctx.timers.setTimeout(() => abort.abort(), NOTICE_ATTEMPT_MS)
    try {
      const res = rec(await this.ctx.client.session.promptAsync({ path: { id: parentID }, body, signal: abort.signal } as never))
      return !res?.error
    } catch {
      return false
    } finally {
      this.ctx.timers.clear(timer)
    }
  }

  /** Resolves when every queued notice has settled (tests). */
  async settled(): Promise<void> {
    while (this.draining.size > 0) await Promise.allSettled([...this.draining.values()])
  }
}
