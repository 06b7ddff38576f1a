/**
 * What each hook journals for one session: ids, states and numbers, never message bodies
 * (a queued task's prompt is the one exception: the task cannot start again without it).
 * A leaf, shared by the journal's format and by the hooks that write each section.
 */
import type { BillFact, CountedStep } from "../cache/facts"

export type TaskStatusRecord = "queued" | "running" | "completed" | "error" | "cancelled"

/** A background task, as the parent session's journal keeps it (ids, states and numbers; a queued task's prompt). */
export interface TaskRecord {
  id: string
  childID?: string
  description: string
  agent: string
  providerID: string
  modelID: string
  status: TaskStatusRecord
  createdAt: number
  startedAt?: number
  endedAt?: number
  /** last sign of life of the child, clock ms: a restart resumes with the time it had run */
  lastActivityAt: number
  /** the parent got the notice of its end */
  told: boolean
  error?: string
  /** where the result is: the child's text part (its text stays in the child session) */
  resultRef?: { messageID: string; partID: string }
  resultLength?: number
  toolCalls: number
  tokens: { input: number; output: number }
  /** kept only until the task has a child session with the prompt in it */
  prompt?: string
  /** times a restart resumed it */
  resumes: number
}

/** The todo enforcer's state that a restart must keep: its stops and holds, and the counts behind them. */
export interface ContinuationRecord {
  stopped?: "user" | "agent" | "stagnation" | "failures"
  aborted: boolean
  withoutProgress: number
  /** the progress mark: most todos closed, fewest open (undefined: none seen since the last reset) */
  closed: number
  open?: number
  failures: number
  notBefore: number
  lastSentAt?: number
  hold?: string
  errorHold?: string
  sent: number
}

export type CompactionPhaseRecord = "idle" | "armed" | "in-flight" | "host-compacting" | "gave-up"

export interface CompactionRecord {
  phase: CompactionPhaseRecord
  /** when the phase began, for a compaction in flight (clock ms) */
  since?: number
  failures: number
  notBefore: number
  lastCompactedAt?: number
  compactions: number
  lastError?: string
}

export type CacheShapeRecord = "prefix" | "from-start"

export interface MomentJournal {
  request: number
  cold: boolean
  parts: number
  chars: number
  extraDollars: number
  netDollars: number
  afterAnswer?: string
  readBefore?: number
  keptShare: number
  totalTokens?: number
  gapMs?: number
}

/** [key (`${partID}:o|i`), strategy, text, holder, 1 when the holder's arguments are the copy] */
export type DecisionRecord = [string, string, string, string | undefined] | [string, string, string, string | undefined, 1]

export interface PruningRecord {
  /** the newest tool part the pruner had seen: parts up to it are not new after a restart */
  seen?: string
  decisions: DecisionRecord[]
  requests: number
  moments: number
  lastMoment?: MomentJournal
  /** the cache shape this session's answers showed, and the model it was learnt for */
  shape?: CacheShapeRecord
  modelKey?: string
  charsNotSent: number
  dollarsSaved: number
  /** what warm moments cost more than they have saved back so far (the risk still open) */
  debt?: number
}

export type CountedRecord = CountedStep

export interface BillRecord {
  fact: BillFact
  prev?: { id: string; prompt: number; completed?: number; model: string; compactions: number }
  counted: Array<[string, CountedRecord]>
}

/** Every section, by name; each has one writer hook. */
export interface Sections {
  tasks: TaskRecord[]
  continuation: ContinuationRecord
  compaction: CompactionRecord
  pruning: PruningRecord
  bill: BillRecord
}

export type SectionName = keyof Sections
