import type { TokenCounts } from "../events/types"
import { MAP_ENTRY_OVERHEAD, OBJECT_OVERHEAD, stringBytes } from "./size"

/** Compact metadata about one message. Never holds text, tool output or diff bodies. */
export interface MessageRecord {
  id: string
  role: "user" | "assistant" | "unknown"
  agent?: string
  providerID?: string
  modelID?: string
  created?: number
  completed?: number
  finish?: string
  errorName?: string
  /** true on compaction summary messages */
  summary?: boolean
  tokens?: TokenCounts
  /** bytes of text parts (latest version of each part) */
  textBytes: number
  /** bytes of tool outputs (latest version of each tool part) */
  toolOutputBytes: number
  /** bytes of summary.diffs bodies (before + after) on the latest update of this message */
  diffBodyBytes: number
  diffFiles: number
  toolCalls: number
  /** latest size of each part, so repeated part updates replace rather than add */
  partSizes?: Map<string, number>
}

export type { TokenCounts }

export interface MessageLogOptions {
  cap: number
  hysteresis: number
}

/**
 * Per-session message records with a cap that has hysteresis and is anchored to a
 * message id rather than a count. OpenCode message ids sort in creation order, so
 * the anchor is a position in that order: records older than it are not kept, even
 * when a late update for an old message arrives, and removals or compaction cannot
 * make the window drift. The anchor advances only when the log holds more than
 * cap + hysteresis records, and then trims back to cap.
 */
export class MessageLog {
  private readonly records = new Map<string, MessageRecord>()
  private anchorID: string | undefined
  /** updates ignored because they were for messages older than the anchor */
  ignoredBeforeAnchor = 0
  /** records dropped by the cap since the session started */
  trimmed = 0

  constructor(private readonly options: MessageLogOptions) {}

  get anchor(): string | undefined {
    return this.anchorID
  }

  get size(): number {
    return this.records.size
  }

  get(id: string): MessageRecord | undefined {
    return this.records.get(id)
  }

  /** Returns the record for `id`, creating it; undefined when id lies before the anchor. */
  upsert(id: string, init: () => MessageRecord): MessageRecord | undefined {
    const existing = this.records.get(id)
    if (existing) return existing
    if (this.anchorID !== undefined && id < this.anchorID) {
      this.ignoredBeforeAnchor++
      return undefined
    }
    const record = init()
    // Keyed by the record's own (copied) id, not the event's string.
    this.records.set(record.id, record)
    if (this.records.size > this.options.cap + this.options.hysteresis) this.trim()
    return record
  }

  remove(id: string): boolean {
    return this.records.delete(id)
  }

  /** Records in id order (creation order). */
  values(): MessageRecord[] {
    return [...this.records.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  }

  /** The newest record matching `pred`, scanning from the newest id. */
  latest(pred: (r: MessageRecord) => boolean): MessageRecord | undefined {
    let best: MessageRecord | undefined
    for (const r of this.records.values()) {
      if (pred(r) && (best === undefined || r.id > best.id)) best = r
    }
    return best
  }

  private trim(): void {
    const ordered = this.values()
    const drop = ordered.length - this.options.cap
    for (let i = 0; i < drop; i++) this.records.delete(ordered[i]!.id)
    this.trimmed += drop
    this.anchorID = ordered[drop]?.id ?? this.anchorID
  }

  estimateBytes(): number {
    let bytes = OBJECT_OVERHEAD
    for (const r of this.records.values()) bytes += estimateRecordBytes(r)
    return bytes
  }
}

export function estimateRecordBytes(r: MessageRecord): number {
  let bytes = MAP_ENTRY_OVERHEAD + OBJECT_OVERHEAD * 2 + 8 * 12
  bytes += stringBytes(r.id) + stringBytes(r.agent) + stringBytes(r.providerID) + stringBytes(r.modelID)
  bytes += stringBytes(r.finish) + stringBytes(r.errorName)
  if (r.tokens) bytes += OBJECT_OVERHEAD + 5 * 8
  if (r.partSizes) bytes += OBJECT_OVERHEAD + r.partSizes.size * (MAP_ENTRY_OVERHEAD + 40)
  return bytes
}
