import type { LongrunEvent } from "../../events/types"
import { detach } from "../../runtime/detach"
import type { Task } from "./task"

export type Outcome = { status: "completed" | "error" | "cancelled"; error?: string } | undefined

/**
 * Applies one event of a running task's child session to the task: tool calls,
 * tokens, the latest text (bounded, copied), and whether the child is done.
 * Returns the outcome when the event ends the task.
 */
export function applyChildEvent(task: Task, ev: LongrunEvent, maxChars: number): Outcome {
  switch (ev.type) {
    case "message.part.updated": {
      const part = ev.part
      if (part.kind === "tool") {
        if (!task.toolParts.has(part.id)) {
          task.toolParts.add(detach(part.id))
          task.toolCalls++
        }
        if (part.tool !== task.lastTool) task.lastTool = detach(part.tool, 80)
      } else if (part.kind === "text" && !part.synthetic) {
        task.lastText = {
          messageID: detach(part.messageID),
          partID: detach(part.id),
          text: detach(part.text, maxChars),
          length: part.text.length,
        }
      }
      return undefined
    }
    case "message.part.delta": {
      if (ev.field !== "text") return undefined
      if (task.lastText?.partID !== ev.partID)
        task.lastText = { messageID: detach(ev.messageID), partID: detach(ev.partID), text: "", length: 0 }
      const lt = task.lastText
      if (lt.text.length < maxChars) lt.text += detach(ev.delta, maxChars - lt.text.length)
      lt.length += ev.delta.length
      return undefined
    }
    case "message.updated": {
      if (ev.info.role !== "assistant") return undefined
      task.tokens = { input: ev.info.tokens?.input ?? 0, output: ev.info.tokens?.output ?? 0 }
      if (ev.info.errorName && ev.info.errorName !== "MessageAbortedError")
        task.error = detach(ev.info.errorMessage ?? ev.info.errorName, 500)
      return undefined
    }
    case "session.status":
      if (ev.status === "busy" || ev.status === "retry") task.sawBusy = true
      else if (ev.status === "idle" && task.sawBusy) return done(task)
      return undefined
    case "session.idle":
      return task.sawBusy ? done(task) : undefined
    case "session.error":
      if (ev.errorName === "MessageAbortedError") return { status: "cancelled", error: "the child session was aborted" }
      return { status: "error", error: ev.errorMessage ?? ev.errorName ?? "unknown error" }
    case "session.deleted":
      return { status: "error", error: "the child session was deleted" }
    default:
      return undefined
  }
}

function done(task: Task): Outcome {
  return task.error ? { status: "error", error: task.error } : { status: "completed" }
}
