import { rec } from "../../events/json"
import type { HookContext } from "../types"
import { noticeText } from "./notice-text"
import type { Task } from "./task"

const ATTEMPTS = 3
const BACKOFF_MS = 500

/**
 * Notices to a parent session, one after another per parent and never interleaved.
 * Each attempt is a client call with a timeout, so a hung call cannot block the
 * parent's later notices; after the last failed attempt it gives up at once.
 */
export class Notices {
  private readonly chains = new Map<string, Promise<void>>()
  delivered = 0
  lost = 0

  constructor(private readonly ctx: HookContext) {}

  /** A toast for the user and a notice to the parent session, in the parent's agent and model. */
  taskEnded(task: Task, stillRunning: number, finished: Task[]): void {
    const { text, noReply } = noticeText(task, stillRunning, finished, this.ctx.now())
    this.ctx.logger.toast(
      `${task.description}: ${task.status}${stillRunning ? `, ${stillRunning} still running` : ""}`,
      task.status === "completed" ? "success" : "warning",
      "Background task",
    )
    const parent = this.ctx.store.peek(task.parentID)
    const body: Record<string, unknown> = { noReply, parts: [{ type: "text", text }] }
    if (parent?.agent) body.agent = parent.agent
    if (parent?.providerID && parent.modelID) body.model = { providerID: parent.providerID, modelID: parent.modelID }
    this.send(task.parentID, body)
  }

  send(parentID: string, body: Record<string, unknown>): void {
    const previous = this.chains.get(parentID) ?? Promise.resolve()
    const next = previous.then(() => this.deliver(parentID, body))
    this.chains.set(parentID, next)
    void next.finally(() => {
      if (this.chains.get(parentID) === next) this.chains.delete(parentID)
    })
  }

  private async deliver(parentID: string, body: Record<string, unknown>): Promise<void> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const res = rec(await this.ctx.client.session.promptAsync({ path: { id: parentID }, body: body as never }))
        if (!res?.error) {
          this.delivered++
          return
        }
      } catch {
        // retried below
      }
      if (attempt < ATTEMPTS) await this.ctx.timers.sleep(BACKOFF_MS * 2 ** (attempt - 1))
    }
    this.lost++
    this.ctx.logger.log("warn", `could not deliver a background notice to ${parentID} after ${ATTEMPTS} attempts`)
  }

  /** Resolves when every queued notice has settled (tests). */
  async settled(): Promise<void> {
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()])
  }
}
