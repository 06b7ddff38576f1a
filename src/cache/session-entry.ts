import {
  type BackgroundFact,
  type BillFact,
  initialBillFact,
  type CompactionFact,
  type ContinuationFact,
  initialBackgroundFact,
  initialCompactionFact,
  initialContinuationFact,
  initialPruningFact,
  type PruningFact,
} from "./facts"
import type { TodoItem } from "../events/types"
import type { Clock } from "../runtime/clock"
import { detach, detachOpt } from "../runtime/detach"
import { TimerOwner } from "../runtime/timers"
import { MessageLog, type MessageLogOptions, type TokenCounts } from "./message-log"
import { MAP_ENTRY_OVERHEAD, OBJECT_OVERHEAD, stringBytes } from "./size"

export type SessionStatus = "idle" | "busy" | "retry" | "unknown"

export type { TodoItem }

/** The latest token usage reported for the session's newest assistant message. */
export interface UsageSnapshot {
  messageID: string
  tokens: TokenCounts
  /** context in use, counted the way OpenCode counts it for its own overflow check */
  total: number
  providerID?: string
  modelID?: string
  agent?: string
  summary: boolean
  at: number
}

/**
 * What the person chose for their last message: agent, model, variant (a reasoning
 * level such as "high") and tool switches (`{ question: false }`). Every prompt the
 * plugin sends carries these: OpenCode 1.18.33 applies a variant only when the prompt
 * names it, so a prompt without one falls back to the agent's default.
 */
export interface PromptChoice {
  messageID: string
  agent?: string
  providerID?: string
  modelID?: string
  variant?: string
  tools?: Record<string, boolean>
}

export interface PayloadSeen {
  kind: "text" | "tool-output" | "diff"
  label: string
  bytes: number
}

/** A hook's slot in a session entry: its state plus how to release and size it. */
interface HookSlot {
  value: unknown
  release?: (value: unknown) => void
  estimate?: (value: unknown) => number
}

const MAX_TODOS = 200
const MAX_TODO_CHARS = 500
const LARGEST_KEPT = 5

/**
 * Everything the plugin keeps about one session. Holds metadata and sizes only.
 * Hooks keep their per-session state in slots here, so that when the store drops
 * the session (TTL, cap, session.deleted, dispose) their state and timers go too.
 */
export class SessionEntry {
  readonly timers: TimerOwner
  readonly messages: MessageLog
  readonly createdAt: number
  lastActivityAt: number
  parentID: string | undefined
  status: SessionStatus = "unknown"
  agent: string | undefined
  providerID: string | undefined
  modelID: string | undefined
  usage: UsageSnapshot | undefined
  /** the person's last message: agent, model, variant, tool switches (see ./prompt-choice.ts) */
  lastPrompt: PromptChoice | undefined
  /** the newest user message, until one of its parts shows that the person wrote it */
  pendingPrompt: PromptChoice | undefined
  todos: TodoItem[] | undefined
  /** compaction epoch: increments on session.compacted */
  epoch = 0
  /** session.compacted events seen, whoever started the compaction */
  compactedTimes = 0
  events = 0
  textBytes = 0
  toolOutputBytes = 0
  diffBodyBytes = 0
  largestDiffEventBytes = 0
  readonly largest: PayloadSeen[] = []
  // Shared facts (see ./facts.ts): each has one writer hook; everyone else reads.
  readonly compaction: CompactionFact = initialCompactionFact()
  readonly continuation: ContinuationFact = initialContinuationFact()
  readonly background: BackgroundFact = initialBackgroundFact()
  readonly pruning: PruningFact = initialPruningFact()
  readonly bill: BillFact = initialBillFact()
  private readonly slots = new Map<string, HookSlot>()
  private released = false

  constructor(
    readonly id: string,
    messageLogOptions: MessageLogOptions,
    now: number,
    clock?: Clock,
    onTimerError?: (err: unknown) => void,
  ) {
    this.timers = new TimerOwner(clock, onTimerError)
    this.messages = new MessageLog(messageLogOptions)
    this.createdAt = now
    this.lastActivityAt = now
  }

  /**
   * A hook's per-session state, created on first use. `release` runs when the
   * session leaves the store; `estimate` feeds memory attribution.
   */
  state<T>(hook: string, init: () => T, lifecycle?: { release?: (value: T) => void; estimate?: (value: T) => number }): T {
    const slot = this.slots.get(hook)
    if (slot) return slot.value as T
    const value = init()
    this.slots.set(hook, {
      value,
      release: lifecycle?.release as ((v: unknown) => void) | undefined,
      estimate: lifecycle?.estimate as ((v: unknown) => number) | undefined,
    })
    return value
  }

  peekState<T>(hook: string): T | undefined {
    return this.slots.get(hook)?.value as T | undefined
  }

  /** Copies what it keeps: the event's strings must not stay pinned by the store. */
  setTodos(todos: TodoItem[]): void {
    this.todos = todos.slice(0, MAX_TODOS).map((t) => ({
      content: t.content.length > MAX_TODO_CHARS ? `${detach(t.content, MAX_TODO_CHARS)}…` : detach(t.content),
      status: detach(t.status, 40),
      priority: detachOpt(t.priority, 40),
    }))
  }

  /** The agent and model the session works with now; unchanged fields keep their copy. */
  setModel(agent: string | undefined, providerID: string | undefined, modelID: string | undefined): void {
    if (agent && agent !== this.agent) this.agent = detach(agent, 200)
    if (providerID && providerID !== this.providerID) this.providerID = detach(providerID, 200)
    if (modelID && modelID !== this.modelID) this.modelID = detach(modelID, 200)
  }

  notePayload(kind: PayloadSeen["kind"], label: string, bytes: number): void {
    if (bytes <= 0) return
    const list = this.largest
    if (list.length >= LARGEST_KEPT && list[list.length - 1]!.bytes >= bytes) return
    const existing = list.findIndex((p) => p.kind === kind && p.label === label)
    if (existing >= 0) {
      if (list[existing]!.bytes >= bytes) return
      list.splice(existing, 1)
    }
    const short = label.length > 120 ? `…${detach(label.slice(-119))}` : detach(label)
    list.push({ kind, label: short, bytes })
    list.sort((a, b) => b.bytes - a.bytes)
    if (list.length > LARGEST_KEPT) list.length = LARGEST_KEPT
  }

  /** Estimated bytes this entry retains, split into the store's part and each hook's. */
  estimate(): { store: number; hooks: Record<string, number> } {
    let store = OBJECT_OVERHEAD * 4 + stringBytes(this.id) + stringBytes(this.parentID)
    store += stringBytes(this.agent) + stringBytes(this.providerID) + stringBytes(this.modelID)
    store += this.messages.estimateBytes()
    if (this.usage) store += OBJECT_OVERHEAD * 2 + stringBytes(this.usage.messageID)
    for (const c of [this.lastPrompt, this.pendingPrompt]) if (c) store += choiceBytes(c)
    for (const t of this.todos ?? []) store += OBJECT_OVERHEAD + stringBytes(t.content) + stringBytes(t.status)
    for (const p of this.largest) store += OBJECT_OVERHEAD + stringBytes(p.label)
    const hooks: Record<string, number> = {}
    for (const [name, slot] of this.slots) {
      hooks[name] = MAP_ENTRY_OVERHEAD + (slot.estimate ? slot.estimate(slot.value) : OBJECT_OVERHEAD)
    }
    return { store, hooks }
  }

  get hookNames(): string[] {
    return [...this.slots.keys()]
  }

  /** Clears timers and releases every hook slot. Idempotent. */
  release(onError: (hook: string, err: unknown) => void): void {
    if (this.released) return
    this.released = true
    this.timers.clearAll()
    for (const [name, slot] of this.slots) {
      try {
        slot.release?.(slot.value)
      } catch (err) {
        onError(name, err)
      }
    }
    this.slots.clear()
  }

  get isReleased(): boolean {
    return this.released
  }
}

function choiceBytes(c: PromptChoice): number {
  let b = OBJECT_OVERHEAD + stringBytes(c.messageID) + stringBytes(c.agent) + stringBytes(c.variant)
  b += stringBytes(c.providerID) + stringBytes(c.modelID)
  for (const name of Object.keys(c.tools ?? {})) b += MAP_ENTRY_OVERHEAD + stringBytes(name)
  return b
}
