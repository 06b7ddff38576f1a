import type { Decision, Strategy } from "./decide"
import type { ToolPartLike } from "./part-facts"
import { LONG_ARG_CHARS } from "./part-facts"
import { failedInput } from "./placeholder"

export interface OutgoingMessage {
  info: unknown
  parts: unknown[]
}

export interface Located {
  id: string
  msg: number
  part: number
}

export interface Applied {
  parts: number
  chars: number
  byStrategy: Partial<Record<Strategy, { parts: number; chars: number }>>
}

/** The arguments sent instead of the original ones, and how many characters that saves. */
export function replaceInput(input: Record<string, unknown>, d: Decision): [Record<string, unknown>, number] {
  if (d.strategy === "superseded-write") {
    const content = typeof input.content === "string" ? input.content : ""
    return [{ ...input, content: d.text }, content.length - d.text.length]
  }
  const out: Record<string, unknown> = {}
  let saved = 0
  for (const [k, v] of Object.entries(input)) {
    if (typeof v === "string" && v.length >= LONG_ARG_CHARS) {
      const text = failedInput(v.length)
      out[k] = text
      saved += v.length - text.length
    } else out[k] = v
  }
  return [out, saved]
}

/**
 * Sends the decided texts instead of the originals. Copy-on-write: each changed message
 * and part is a new object placed in the outgoing list, so nothing OpenCode holds (and
 * nothing it stores) is modified. Returns what was left out.
 */
export function applyDecisions(messages: OutgoingMessage[], located: Located[], decisions: Map<string, Decision>): Applied {
  const result: Applied = { parts: 0, chars: 0, byStrategy: {} }
  const copies = new Map<number, unknown[]>()
  for (const loc of located) {
    const o = decisions.get(`${loc.id}:o`)
    const i = decisions.get(`${loc.id}:i`)
    if (!o && !i) continue
    const msg = messages[loc.msg]!
    let parts = copies.get(loc.msg)
    if (!parts) {
      parts = msg.parts.slice()
      copies.set(loc.msg, parts)
    }
    const part = parts[loc.part] as ToolPartLike
    const state: Record<string, unknown> = { ...part.state }
    for (const d of [o, i]) {
      if (!d) continue
      let saved = 0
      if (d === o) {
        const field = part.state.status === "error" ? "error" : "output"
        const before = state[field]
        if (typeof before !== "string") continue
        state[field] = d.text
        saved = before.length - d.text.length
      } else {
        const input = part.state.input
        if (!input || typeof input !== "object") continue
        const [next, s] = replaceInput(input, d)
        state.input = next
        saved = s
      }
      result.byStrategy[d.strategy] ??= { parts: 0, chars: 0 }
      const s = result.byStrategy[d.strategy]!
      s.parts++
      s.chars += saved
      result.chars += saved
    }
    result.parts++
    parts[loc.part] = { ...part, state }
  }
  for (const [index, parts] of copies) messages[index] = { ...messages[index]!, parts }
  return result
}
