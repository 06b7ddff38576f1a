import { num, rec, str, type Json, type ParsedEvent } from "../events/parse"
import type { MessageRecord, TokenCounts } from "./message-log"
import type { SessionEntry } from "./session-entry"
import type { SessionStore } from "./session-store"
import { utf8Length } from "./size"
import { contextTokens } from "./usage"

/** Event types that change the store. Everything else costs one Set lookup. */
export const INGESTED = new Set([
  "message.updated",
  "message.removed",
  "message.part.updated",
  "message.part.delta",
  "message.part.removed",
  "session.status",
  "session.idle",
  "session.compacted",
  "session.created",
  "session.updated",
  "session.error",
  "todo.updated",
])

/**
 * Applies one event to the store. Keeps ids, roles, models, token counts and sizes;
 * never text, tool output or diff bodies. Returns the session's entry, if any.
 */
export function ingest(store: SessionStore, ev: ParsedEvent, now: number): SessionEntry | undefined {
  const sid = ev.sessionID
  if (!sid) return undefined
  if (ev.type === "session.deleted") return store.peek(sid)
  if (!INGESTED.has(ev.type)) return store.peek(sid)
  const entry = store.touch(sid)
  entry.events++
  switch (ev.type) {
    case "message.updated":
      onMessageUpdated(entry, ev.props, now)
      break
    case "message.removed": {
      const id = str(ev.props.messageID)
      if (id) entry.messages.remove(id)
      break
    }
    case "message.part.updated":
      onPartUpdated(entry, ev.props)
      break
    case "message.part.delta":
      onPartDelta(entry, ev.props)
      break
    case "message.part.removed": {
      const record = entry.messages.get(str(ev.props.messageID) ?? "")
      const partID = str(ev.props.partID)
      if (record && partID) record.partSizes?.delete(partID)
      break
    }
    case "session.status": {
      const type = str(rec(ev.props.status)?.type)
      entry.status = type === "idle" || type === "busy" || type === "retry" ? type : "unknown"
      break
    }
    case "session.idle":
      entry.status = "idle"
      break
    case "session.compacted":
      // The context was replaced by a summary: the old usage no longer describes it.
      entry.epoch++
      entry.usage = undefined
      break
    case "session.created":
    case "session.updated": {
      const parent = str(rec(ev.props.info)?.parentID)
      if (parent) entry.parentID = parent
      break
    }
    case "todo.updated": {
      const todos = Array.isArray(ev.props.todos) ? ev.props.todos : []
      entry.setTodos(
        todos.flatMap((t) => {
          const r = rec(t)
          const content = str(r?.content)
          const status = str(r?.status)
          return content !== undefined && status !== undefined ? [{ content, status, priority: str(r?.priority) }] : []
        }),
      )
      break
    }
  }
  return entry
}

function newRecord(id: string): MessageRecord {
  return { id, role: "unknown", textBytes: 0, toolOutputBytes: 0, diffBodyBytes: 0, diffFiles: 0, toolCalls: 0 }
}

function readTokens(x: unknown): TokenCounts | undefined {
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

function onMessageUpdated(entry: SessionEntry, props: Json, now: number): void {
  const info = rec(props.info)
  const id = str(info?.id)
  if (!info || !id) return
  const record = entry.messages.upsert(id, () => newRecord(id))
  const role = str(info.role)
  const agent = str(info.agent) ?? str(info.mode)
  const model = rec(info.model)
  const providerID = str(info.providerID) ?? str(model?.providerID)
  const modelID = str(info.modelID) ?? str(model?.modelID)
  const isSummary = info.summary === true || agent === "compaction"
  // The newest message says which agent and model the session is using now.
  if (agent && agent !== "compaction") entry.agent = agent
  if (providerID && !isSummary) entry.providerID = providerID
  if (modelID && !isSummary) entry.modelID = modelID
  if (role === "user") measureDiffs(entry, record, info)
  if (!record) return
  record.role = role === "user" || role === "assistant" ? role : "unknown"
  record.agent = agent
  record.providerID = providerID
  record.modelID = modelID
  const time = rec(info.time)
  record.created = num(time?.created)
  record.completed = num(time?.completed)
  record.finish = str(info.finish)
  record.errorName = str(rec(info.error)?.name)
  if (isSummary && role === "assistant") record.summary = true
  if (role !== "assistant") return
  const tokens = readTokens(info.tokens)
  if (!tokens) return
  record.tokens = tokens
  const total = contextTokens(tokens)
  // Summary messages measure the compaction request, not the context that follows it.
  if (total <= 0 || isSummary) return
  if (entry.usage && entry.usage.messageID > id) return
  entry.usage = { messageID: id, tokens, total, providerID, modelID, agent, summary: false, at: now }
}

/**
 * A user message's summary.diffs can hold whole file bodies: measure, never keep.
 * OpenCode 1.18.33 sends them as `patch` (a unified diff with every line of the file);
 * other versions send `before` and `after`. All three are counted.
 */
function measureDiffs(entry: SessionEntry, record: MessageRecord | undefined, info: Json): void {
  const diffs = rec(info.summary)?.diffs
  if (!Array.isArray(diffs)) return
  let total = 0
  for (const d of diffs) {
    const r = rec(d)
    if (!r) continue
    let bytes = 0
    for (const body of [str(r.before), str(r.after), str(r.patch)]) if (body) bytes += utf8Length(body)
    total += bytes
    entry.notePayload("diff", str(r.file) ?? "(unnamed file)", bytes)
  }
  if (total > entry.largestDiffEventBytes) entry.largestDiffEventBytes = total
  if (!record) return
  entry.diffBodyBytes += total - record.diffBodyBytes
  record.diffBodyBytes = total
  record.diffFiles = diffs.length
}

function setPartSize(entry: SessionEntry, record: MessageRecord, partID: string, kind: "text" | "tool", bytes: number): void {
  record.partSizes ??= new Map()
  const before = record.partSizes.get(partID) ?? 0
  record.partSizes.set(partID, bytes)
  const delta = bytes - before
  if (kind === "text") {
    record.textBytes += delta
    entry.textBytes += delta
  } else {
    record.toolOutputBytes += delta
    entry.toolOutputBytes += delta
  }
}

function onPartUpdated(entry: SessionEntry, props: Json): void {
  const part = rec(props.part)
  const messageID = str(part?.messageID)
  const partID = str(part?.id)
  if (!part || !messageID || !partID) return
  const record = entry.messages.upsert(messageID, () => newRecord(messageID))
  if (!record) return
  const type = str(part.type)
  if (type === "text" || type === "reasoning") {
    const text = str(part.text)
    if (text !== undefined) setPartSize(entry, record, partID, "text", utf8Length(text))
  } else if (type === "tool") {
    if (!record.partSizes?.has(partID)) record.toolCalls++
    const state = rec(part.state)
    const output = str(state?.output) ?? str(state?.error)
    const bytes = output ? utf8Length(output) : 0
    setPartSize(entry, record, partID, "tool", bytes)
    if (bytes > 0) entry.notePayload("tool-output", str(part.tool) ?? "tool", bytes)
  }
}

function onPartDelta(entry: SessionEntry, props: Json): void {
  const messageID = str(props.messageID)
  const partID = str(props.partID)
  const delta = str(props.delta)
  if (!messageID || !partID || delta === undefined) return
  const record = entry.messages.upsert(messageID, () => newRecord(messageID))
  if (!record) return
  const before = record.partSizes?.get(partID) ?? 0
  setPartSize(entry, record, partID, "text", before + utf8Length(delta))
}
