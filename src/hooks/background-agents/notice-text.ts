import { OWN_TEXT_PREFIX } from "../../events/own-text"
import { runtime, type Task } from "./task"

/**
 * The notice a parent gets when one of its tasks ends. While others still run it
 * asks for no reply; the last one wakes the parent with every result to collect.
 */
export function noticeText(task: Task, stillRunning: number, finished: Task[], now: number): { text: string; noReply: boolean } {
  const secs = Math.round(runtime(task, now) / 1000)
  const lines = [`${OWN_TEXT_PREFIX}Background task ${task.id} (${task.description}) ${task.status} after ${secs} s.`]
  if (task.error) lines.push(`Reason: ${task.error}`)
  if (stillRunning > 0) {
    lines.push(`${stillRunning} background task(s) of this session still running.`)
    return { text: lines.join("\n"), noReply: true }
  }
  lines.push(
    "All background tasks of this session are done. Read their results with background_output: " +
      `${finished.map((t) => `${t.id} (${t.description}: ${t.status})`).join(", ")}.`,
  )
  return { text: lines.join("\n"), noReply: false }
}
