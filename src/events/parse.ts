import { type Json, num, rec, str } from "./json"
import { isOwnText } from "./own-text"
import type { LongrunEvent, MessageInfo, PartInfo, SessionStatusType, TodoItem, TokenCounts } from "./types"

export { isRecord, type Json, num, rec, str } from "./json"

/** Ids longer than this are not OpenCode's: such an event is ignored, not kept. */
export const MAX_ID_LENGTH = 256
const MAX_TODOS_READ = 1_000
/** A user message's tool switches: more than this many are not OpenCode's. */
const MAX_TOOL_SWITCHES = 200

function id(x: unknown): string | undefined {
  const s = str(x)
  return s && s.length <= MAX_ID_LENGTH ? s : undefined
}

/**
 * Parses one raw bus event (`{ event }` as the plugin hook gets it, or a bare event)
 * into the typed union. Undefined for types the plugin does not consume and for
 * malformed payloads; never throws. OpenCode 1.14.41+ puts sessionID at the top of
 * message and part events; older releases only inside info or part: both are read.
 */
export function parseEvent(raw: unknown): LongrunEvent | undefined {
  const outer = rec(raw)
  if (!outer) return undefined
  const event = rec(outer.event) ?? outer
  const type = str(event.type)
  const p = rec(event.properties)
  if (!type || !p) return undefined
  switch (type) {
    case "message.updated": {
      const info = rec(p.info)
      const sessionID = id(p.sessionID) ?? id(info?.sessionID)
      const parsed = info && messageInfo(info)
      return sessionID && parsed ? { type, sessionID, info: parsed } : undefined
    }
    case "message.removed": {
      const sessionID = id(p.sessionID)
      const messageID = id(p.messageID)
      return sessionID && messageID ? { type, sessionID, messageID } : undefined
    }
    case "message.part.updated": {
      const raw = rec(p.part)
      const sessionID = id(p.sessionID) ?? id(raw?.sessionID)
      const part = raw && partInfo(raw)
      return sessionID && part ? { type, sessionID, part } : undefined
    }
    case "message.part.delta": {
      const sessionID = id(p.sessionID)
      const messageID = id(p.messageID)
      const partID = id(p.partID)
      const delta = str(p.delta)
      if (!sessionID || !messageID || !partID || delta === undefined) return undefined
      return { type, sessionID, messageID, partID, field: str(p.field) ?? "text", delta }
    }
    case "message.part.removed": {
      const sessionID = id(p.sessionID)
      const messageID = id(p.messageID)
      const partID = id(p.partID)
      return sessionID && messageID && partID ? { type, sessionID, messageID, partID } : undefined
    }
    case "session.status": {
      const sessionID = id(p.sessionID)
      return sessionID ? { type, sessionID, status: statusType(str(rec(p.status)?.type)) } : undefined
    }
    case "session.idle":
    case "session.compacted": {
      const sessionID = id(p.sessionID)
      return sessionID ? { type, sessionID } : undefined
    }
    case "session.created":
    case "session.updated":
    case "session.deleted": {
      const info = rec(p.info)
      const sessionID = id(p.sessionID) ?? id(info?.id)
      if (!sessionID) return undefined
      if (type === "session.deleted") return { type, sessionID }
      const parentID = id(info?.parentID)
      return parentID ? { type, sessionID, parentID } : { type, sessionID }
    }
    case "session.error": {
      const error = rec(p.error)
      return {
        type,
        sessionID: id(p.sessionID),
        errorName: str(error?.name),
        errorMessage: str(rec(error?.data)?.message) ?? str(error?.message),
        errorStatus: num(rec(error?.data)?.statusCode),
      }
    }
    case "todo.updated": {
      const sessionID = id(p.sessionID)
      if (!sessionID || !Array.isArray(p.todos)) return undefined
      return { type, sessionID, todos: todoItems(p.todos) }
    }
    default:
      return undefined
  }
}

function statusType(t: string | undefined): SessionStatusType {
  return t === "idle" || t === "busy" || t === "retry" ? t : "unknown"
}

export function todoItems(list: unknown[]): TodoItem[] {
  const out: TodoItem[] = []
  for (const t of list.slice(0, MAX_TODOS_READ)) {
    const r = rec(t)
    const content = str(r?.content)
    const status = str(r?.status)
    if (content !== undefined && status !== undefined) out.push({ content, status, priority: str(r?.priority) })
  }
  return out
}

/** { name: boolean } only; anything else is dropped. Keys are the event's own: copy what is kept. */
function toolSwitches(x: unknown): Record<string, boolean> | undefined {
  const r = rec(x)
  if (!r) return undefined
  const out: Record<string, boolean> = {}
  let n = 0
  for (const [name, on] of Object.entries(r)) {
    if (typeof on !== "boolean" || name.length > MAX_ID_LENGTH) continue
    if (++n > MAX_TOOL_SWITCHES) break
    Object.defineProperty(out, name, { value: on, enumerable: true, writable: true, configurable: true })
  }
  return n > 0 ? out : undefined
}

function tokens(x: unknown): TokenCounts | undefined {
  const t = rec(x)
  if (!t) return undefined
  const cache = rec(t.cache)
  return {
    input: num(t.input) ?? 0,
    output: num(t.output) ?? 0,
    reasoning: num(t.reasoning) ?? 0,
    cacheRead: num(cache?.read) ?? 0,
    cacheWrite: num(cache?.write) ?? 0,
    total: num(t.total),
  }
}

function messageInfo(info: Json): MessageInfo | undefined {
  const messageID = id(info.id)
  if (!messageID) return undefined
  const role = str(info.role)
  const agent = str(info.agent) ?? str(info.mode)
  const model = rec(info.model)
  const time = rec(info.time)
  const error = rec(info.error)
  const out: MessageInfo = {
    id: messageID,
    role: role === "user" || role === "assistant" ? role : "unknown",
    agent,
    providerID: str(info.providerID) ?? str(model?.providerID),
    modelID: str(info.modelID) ?? str(model?.modelID),
    variant: str(model?.variant) ?? str(info.variant),
    tools: toolSwitches(info.tools),
    created: num(time?.created),
    completed: num(time?.completed),
    finish: str(info.finish),
    errorName: str(error?.name),
    errorMessage: str(rec(error?.data)?.message),
    summary: info.summary === true || agent === "compaction",
    tokens: role === "assistant" ? tokens(info.tokens) : undefined,
    cost: role === "assistant" ? num(info.cost) : undefined,
  }
  const diffs = rec(info.summary)?.diffs
  if (Array.isArray(diffs)) out.diffs = measureDiffs(diffs)
  return out
}

/**
 * summary.diffs can hold whole file bodies: measure them here, so nothing past the
 * edge holds a body. OpenCode 1.18.33 sends `patch` (every line of the file); other
 * releases send `before` and `after`. All three are counted.
 */
function measureDiffs(diffs: unknown[]): Array<{ file: string; bytes: number }> {
  const out: Array<{ file: string; bytes: number }> = []
  for (const d of diffs) {
    const r = rec(d)
    if (!r) continue
    let bytes = 0
    for (const body of [str(r.before), str(r.after), str(r.patch)]) if (body) bytes += Buffer.byteLength(body, "utf8")
    out.push({ file: str(r.file) ?? "(unnamed file)", bytes })
  }
  return out
}

function partInfo(part: Json): PartInfo | undefined {
  const partID = id(part.id)
  const messageID = id(part.messageID)
  if (!partID || !messageID) return undefined
  const type = str(part.type)
  if (type === "text" || type === "reasoning") {
    const text = str(part.text) ?? ""
    return {
      kind: type,
      id: partID,
      messageID,
      text,
      synthetic: part.synthetic === true,
      ignored: part.ignored === true,
      own: isOwnText(text),
    }
  }
  if (type === "tool") {
    const state = rec(part.state)
    const output = str(state?.output) ?? str(state?.error)
    return {
      kind: "tool",
      id: partID,
      messageID,
      tool: str(part.tool) ?? "tool",
      status: str(state?.status),
      outputBytes: output ? Buffer.byteLength(output, "utf8") : 0,
    }
  }
  return { kind: "other", id: partID, messageID }
}
