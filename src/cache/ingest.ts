import type { ModelPrices } from "../bill/model-prices"
import type { EventOf, LongrunEvent, MessageInfo, PartInfo } from "../events/types"
import { detach } from "../runtime/detach"
import type { MessageRecord } from "./message-log"
import type { ModelLimits } from "./model-limits"
import { choiceOf, writtenByPerson } from "./prompt-choice"
import type { SessionEntry } from "./session-entry"
import type { SessionStore } from "./session-store"
import { contextTokens } from "./usage"

/** Agents whose requests say nothing about the model the session works with. */
const SIDE_AGENTS = new Set(["compaction", "title", "summary"])

/**
 * Applies one typed event to the store. Keeps ids, roles, models, token counts and
 * sizes; never text, tool output or diff bodies. Returns the session's entry, if any.
 * session.deleted only looks the entry up: the router removes it after the hooks ran.
 */
export function ingest(store: SessionStore, ev: LongrunEvent, now: number): SessionEntry | undefined {
  const sid = ev.sessionID
  if (!sid) return undefined
  if (ev.type === "session.deleted") return store.peek(sid)
  const entry = store.touch(sid)
  entry.events++
  switch (ev.type) {
    case "message.updated":
      onMessageUpdated(entry, ev.info, now)
      break
    case "message.removed":
      entry.messages.remove(ev.messageID)
      break
    case "message.part.updated":
      onPartUpdated(entry, ev.part)
      break
    case "message.part.delta":
      onPartDelta(entry, ev)
      break
    case "message.part.removed":
      entry.messages.get(ev.messageID)?.partSizes?.delete(ev.partID)
      break
    case "session.status":
      entry.status = ev.status
      break
    case "session.idle":
      entry.status = "idle"
      break
    case "session.compacted":
      // The context was replaced by a summary: the old usage no longer describes it.
      entry.epoch++
      entry.compactedTimes++
      entry.usage = undefined
      break
    case "session.created":
    case "session.updated":
      if (ev.parentID && entry.parentID !== ev.parentID) entry.parentID = detach(ev.parentID)
      break
    case "todo.updated":
      entry.setTodos(ev.todos)
      break
  }
  return entry
}

/**
 * What OpenCode passes to chat.params: the exact model of the request, with its
 * limits, and the agent. The one place the plugin learns from it.
 */
export function ingestChatParams(
  store: SessionStore,
  limits: ModelLimits,
  prices: ModelPrices,
  input: {
    sessionID: string
    agent: string
    model?: { id?: string; providerID?: string }
    provider?: { info?: { id?: string } }
  },
): void {
  const providerID = input.provider?.info?.id ?? input.model?.providerID
  const modelID = input.model?.id
  if (!providerID || !modelID) return
  limits.learn(providerID, modelID, input.model)
  prices.learn(providerID, modelID, input.model)
  const entry = store.touch(input.sessionID)
  if (SIDE_AGENTS.has(input.agent)) return
  entry.setModel(input.agent, providerID, modelID)
}

/** The kept string when unchanged, else a bounded copy of the new one (never the event's own). */
function keep(kept: string | undefined, next: string | undefined): string | undefined {
  if (next === undefined || next === kept) return kept === next ? kept : next
  return detach(next, 200)
}

function newRecord(id: string): MessageRecord {
  return { id: detach(id), role: "unknown", textBytes: 0, toolOutputBytes: 0, diffBodyBytes: 0, diffFiles: 0, toolCalls: 0 }
}

function onMessageUpdated(entry: SessionEntry, info: MessageInfo, now: number): void {
  const record = entry.messages.upsert(info.id, () => newRecord(info.id))
  // The newest message says which agent and model the session is using now.
  entry.setModel(
    info.agent !== "compaction" ? info.agent : undefined,
    info.summary ? undefined : info.providerID,
    info.summary ? undefined : info.modelID,
  )
  if (info.role === "user" && info.diffs) measureDiffs(entry, record, info.diffs)
  // A newer user message: a candidate until a part shows whether the person wrote it
  // (OpenCode re-sends older user messages after idle; ids sort in creation order).
  if (info.role === "user" && info.id > (entry.pendingPrompt?.messageID ?? entry.lastPrompt?.messageID ?? ""))
    entry.pendingPrompt = choiceOf(info)
  if (!record) return
  record.role = info.role
  record.agent = keep(record.agent, info.agent)
  record.providerID = keep(record.providerID, info.providerID)
  record.modelID = keep(record.modelID, info.modelID)
  record.created = info.created
  record.completed = info.completed
  record.finish = keep(record.finish, info.finish)
  record.errorName = keep(record.errorName, info.errorName)
  if (info.summary && info.role === "assistant") record.summary = true
  if (info.role !== "assistant" || !info.tokens) return
  record.tokens = info.tokens
  const total = contextTokens(info.tokens)
  // Summary messages measure the compaction request, not the context that follows it.
  if (total <= 0 || info.summary) return
  if (entry.usage && entry.usage.messageID > info.id) return
  entry.usage = {
    messageID: record.id,
    tokens: info.tokens,
    total,
    providerID: entry.providerID,
    modelID: entry.modelID,
    agent: entry.agent,
    summary: false,
    at: now,
  }
}

function measureDiffs(
  entry: SessionEntry,
  record: MessageRecord | undefined,
  diffs: Array<{ file: string; bytes: number }>,
): void {
  let total = 0
  for (const d of diffs) {
    total += d.bytes
    entry.notePayload("diff", d.file, d.bytes)
  }
  if (total > entry.largestDiffEventBytes) entry.largestDiffEventBytes = total
  if (!record) return
  entry.diffBodyBytes += total - record.diffBodyBytes
  record.diffBodyBytes = total
  record.diffFiles = diffs.length
}

function setPartSize(entry: SessionEntry, record: MessageRecord, partID: string, kind: "text" | "tool", bytes: number): void {
  record.partSizes ??= new Map()
  const before = record.partSizes.get(partID)
  // A new key is copied: the map outlives the event.
  record.partSizes.set(before === undefined ? detach(partID) : partID, bytes)
  const delta = bytes - (before ?? 0)
  if (kind === "text") {
    record.textBytes += delta
    entry.textBytes += delta
  } else {
    record.toolOutputBytes += delta
    entry.toolOutputBytes += delta
  }
}

function onPartUpdated(entry: SessionEntry, part: PartInfo): void {
  const record = entry.messages.upsert(part.messageID, () => newRecord(part.messageID))
  if (!record) return
  if (part.kind === "text" && entry.pendingPrompt?.messageID === part.messageID && writtenByPerson(part)) {
    entry.lastPrompt = entry.pendingPrompt
    entry.pendingPrompt = undefined
  }
  if (part.kind === "text" || part.kind === "reasoning") {
    setPartSize(entry, record, part.id, "text", Buffer.byteLength(part.text, "utf8"))
  } else if (part.kind === "tool") {
    if (!record.partSizes?.has(part.id)) record.toolCalls++
    setPartSize(entry, record, part.id, "tool", part.outputBytes)
    if (part.outputBytes > 0) entry.notePayload("tool-output", part.tool, part.outputBytes)
  }
}

function onPartDelta(entry: SessionEntry, ev: EventOf<"message.part.delta">): void {
  const record = entry.messages.upsert(ev.messageID, () => newRecord(ev.messageID))
  if (!record) return
  const before = record.partSizes?.get(ev.partID) ?? 0
  setPartSize(entry, record, ev.partID, "text", before + Buffer.byteLength(ev.delta, "utf8"))
}
