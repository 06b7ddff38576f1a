/**
 * Checks each section read back from a journal file (a leaf). A section is all or nothing:
 * one malformed field drops the section, and the rest of the file still counts.
 */
import { bool, complete, id, int, list, num, obj, ok, oneOf, opt, own, str } from "./read"
import { readBill, readPruning } from "./sections-extra"
import type {
  CompactionPhaseRecord,
  CompactionRecord,
  ContinuationRecord,
  SectionName,
  Sections,
  TaskRecord,
  TaskStatusRecord,
} from "./types"

export const SECTION_NAMES: readonly SectionName[] = ["tasks", "continuation", "compaction", "pruning", "bill"]
/** Most tasks one parent's journal keeps, and the longest prompt of a queued task. */
export const MAX_TASKS = 500
export const MAX_PROMPT_CHARS = 50_000

const TASK_STATUSES: readonly TaskStatusRecord[] = ["queued", "running", "completed", "error", "cancelled"]
const PHASES: readonly CompactionPhaseRecord[] = ["idle", "armed", "in-flight", "host-compacting", "gave-up"]
const STOPS = ["user", "agent", "stagnation", "failures"] as const
const time = (v: unknown) => num(v)

function readResultRef(v: unknown): TaskRecord["resultRef"] {
  const r = obj(v)
  const messageID = id(own(r, "messageID"))
  const partID = id(own(r, "partID"))
  return messageID && partID ? { messageID, partID } : undefined
}

function readTask(x: unknown): TaskRecord | undefined {
  const o = obj(x)
  if (!o) return undefined
  const tokens = obj(own(o, "tokens"))
  const need = {
    id: id(own(o, "id")),
    description: str(own(o, "description"), 400),
    agent: str(own(o, "agent"), 200),
    providerID: str(own(o, "providerID"), 400),
    modelID: str(own(o, "modelID"), 400),
    status: oneOf(own(o, "status"), TASK_STATUSES),
    createdAt: time(own(o, "createdAt")),
    lastActivityAt: time(own(o, "lastActivityAt")),
    told: bool(own(o, "told")),
    toolCalls: int(own(o, "toolCalls")),
    input: int(own(tokens, "input")),
    output: int(own(tokens, "output")),
    resumes: int(own(o, "resumes"), 0, 100),
  }
  const may = {
    childID: opt(own(o, "childID"), id),
    startedAt: opt(own(o, "startedAt"), time),
    endedAt: opt(own(o, "endedAt"), time),
    error: opt(own(o, "error"), (v) => str(v, 1000)),
    resultRef: opt(own(o, "resultRef"), readResultRef),
    resultLength: opt(own(o, "resultLength"), (v) => int(v)),
    prompt: opt(own(o, "prompt"), (v) => str(v, MAX_PROMPT_CHARS)),
  }
  if (!complete(need, may)) return undefined
  return {
    id: need.id!,
    childID: ok(may.childID),
    description: need.description!,
    agent: need.agent!,
    providerID: need.providerID!,
    modelID: need.modelID!,
    status: need.status!,
    createdAt: need.createdAt!,
    startedAt: ok(may.startedAt),
    endedAt: ok(may.endedAt),
    lastActivityAt: need.lastActivityAt!,
    told: need.told!,
    error: ok(may.error),
    resultRef: ok(may.resultRef),
    resultLength: ok(may.resultLength),
    toolCalls: need.toolCalls!,
    tokens: { input: need.input!, output: need.output! },
    prompt: ok(may.prompt),
    resumes: need.resumes!,
  }
}

function readTasks(x: unknown): TaskRecord[] | undefined {
  const items = list(x, MAX_TASKS)
  if (!items) return undefined
  const out: TaskRecord[] = []
  for (const item of items) {
    const t = readTask(item)
    if (!t) return undefined
    out.push(t)
  }
  return out
}

function readContinuation(x: unknown): ContinuationRecord | undefined {
  const o = obj(x)
  if (!o) return undefined
  const need = {
    aborted: bool(own(o, "aborted")),
    withoutProgress: int(own(o, "withoutProgress"), 0, 10_000),
    closed: int(own(o, "closed"), -1),
    failures: int(own(o, "failures"), 0, 10_000),
    notBefore: time(own(o, "notBefore")),
    sent: int(own(o, "sent")),
  }
  const may = {
    stopped: opt(own(o, "stopped"), (v) => oneOf(v, STOPS)),
    open: opt(own(o, "open"), (v) => int(v)),
    lastSentAt: opt(own(o, "lastSentAt"), time),
    hold: opt(own(o, "hold"), (v) => str(v, 100_000)),
    errorHold: opt(own(o, "errorHold"), (v) => str(v, 1000)),
  }
  if (!complete(need, may)) return undefined
  return {
    stopped: ok(may.stopped),
    aborted: need.aborted!,
    withoutProgress: need.withoutProgress!,
    closed: need.closed!,
    open: ok(may.open),
    failures: need.failures!,
    notBefore: need.notBefore!,
    lastSentAt: ok(may.lastSentAt),
    hold: ok(may.hold),
    errorHold: ok(may.errorHold),
    sent: need.sent!,
  }
}

function readCompaction(x: unknown): CompactionRecord | undefined {
  const o = obj(x)
  if (!o) return undefined
  const need = {
    phase: oneOf(own(o, "phase"), PHASES),
    failures: int(own(o, "failures"), 0, 1000),
    notBefore: time(own(o, "notBefore")),
    compactions: int(own(o, "compactions")),
  }
  const may = {
    since: opt(own(o, "since"), time),
    lastCompactedAt: opt(own(o, "lastCompactedAt"), time),
    lastError: opt(own(o, "lastError"), (v) => str(v, 1000)),
  }
  if (!complete(need, may)) return undefined
  return {
    phase: need.phase!,
    since: ok(may.since),
    failures: need.failures!,
    notBefore: need.notBefore!,
    lastCompactedAt: ok(may.lastCompactedAt),
    compactions: need.compactions!,
    lastError: ok(may.lastError),
  }
}

/** Each section's reader: undefined for a malformed section. */
export const SECTION_READERS: { [K in SectionName]: (x: unknown) => Sections[K] | undefined } = {
  tasks: readTasks,
  continuation: readContinuation,
  compaction: readCompaction,
  pruning: readPruning,
  bill: readBill,
}
