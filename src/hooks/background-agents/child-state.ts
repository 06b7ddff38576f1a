/** What a child session says of itself after a restart, read once, and a restored task's result. */
import { rec, str } from "../../events/json"
import { ID } from "../../journal/read"
import { detach } from "../../runtime/detach"
import type { HookContext } from "../types"
import { isFinished, type Task } from "./task"

export type ChildState =
  | { kind: "gone" }
  | { kind: "unknown" | "empty" | "cut-off"; text?: Produced }
  | { kind: "done"; status: "completed" | "error" | "cancelled"; error?: string; text?: Produced }
type Produced = { text: string; length: number; ref: { messageID: string; partID: string } }

/**
 * The one history read of a restart: the newest two messages of one child session. Only the
 * child knows whether it finished before OpenCode stopped, and what it had produced; the
 * events that would have said so were lost with the process.
 */
export async function childState(ctx: HookContext, childID: string): Promise<ChildState> {
  let res: Record<string, unknown> | undefined
  try {
    res = rec(await ctx.client.session.messages({ path: { id: childID }, query: { limit: 2 } } as never))
  } catch {
    return { kind: "unknown" }
  }
  const status = rec(res?.response)?.status
  if (res?.error || !Array.isArray(res?.data)) return status === 404 ? { kind: "gone" } : { kind: "unknown" }
  const messages = (res.data as unknown[]).map((m) => rec(m)).filter((m) => m !== undefined)
  if (messages.length === 0) return { kind: "empty" }
  const idOf = (m: Record<string, unknown>) => String(rec(m.info)?.id)
  messages.sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0))
  let text: Produced | undefined
  for (const m of messages) {
    const info = rec(m.info)
    if (info?.role !== "assistant" || !Array.isArray(m.parts)) continue
    for (const p of m.parts.map(rec)) {
      const t = str(p?.text)
      if (p?.type !== "text" || t === undefined || p.synthetic === true || !ID.test(String(p.id))) continue
      const max = ctx.options.background_result_max_chars
      text = { text: detach(t, max), length: t.length, ref: { messageID: detach(String(info.id)), partID: detach(String(p.id)) } }
    }
  }
  const last = rec(messages[messages.length - 1]!.info)
  const error = rec(last?.error)
  if (last?.role === "assistant" && error?.name === "MessageAbortedError") return { kind: "done", status: "cancelled", text }
  const finished = typeof rec(last?.time)?.completed === "number" && typeof last?.finish === "string"
  if (last?.role === "assistant" && finished && last.finish !== "tool-calls" && last.finish !== "unknown") {
    const why = error ? (str(rec(error.data)?.message) ?? str(error.name) ?? "error") : undefined
    return { kind: "done", status: why ? "error" : "completed", error: why, text }
  }
  return { kind: "cut-off", text }
}

/**
 * A finished task restored from the journal has no result in memory: the one part that holds
 * it is read from its child session when background_output asks (one targeted read).
 */
export async function loadResult(ctx: HookContext, t: Task): Promise<void> {
  if (!isFinished(t) || t.result !== undefined || !t.resultRef || !t.childID) return
  try {
    const res = rec(await ctx.client.session.message({ path: { id: t.childID, messageID: t.resultRef.messageID } } as never))
    const parts = rec(res?.data)?.parts
    const part = Array.isArray(parts) ? parts.map(rec).find((p) => p?.id === t.resultRef!.partID) : undefined
    const text = str(part?.text)
    if (text !== undefined && t.result === undefined) {
      t.result = detach(text, ctx.options.background_result_max_chars)
      t.resultLength = text.length
    }
  } catch {
    // shown without its result, as before
  }
}
