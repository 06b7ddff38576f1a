import type { BackgroundTaskView } from "../../cache/facts"

import { detach } from "../../runtime/detach"

export interface LaunchInput {
  parentID: string
  description: string
  prompt: string
  agent?: string
  model?: string
}

export type TaskStatus = "queued" | "running" | "completed" | "error" | "cancelled"

export interface Task {
  id: string
  parentID: string
  description: string
  /** kept only until the task starts */
  prompt: string | undefined
  agent: string
  providerID: string
  modelID: string
  status: TaskStatus
  childID?: string
  createdAt: number
  startedAt?: number
  endedAt?: number
  lastActivityAt: number
  /** the child has been busy at least once: its idle now means done */
  sawBusy: boolean
  toolCalls: number
  lastTool?: string
  toolParts: Set<string>
  tokens: { input: number; output: number }
  /** the child's latest text part, bounded */
  lastText: { messageID: string; partID: string; text: string; length: number } | undefined
  result?: string
  resultLength?: number
  /** where the result is in the child session (journaled: after a restart it is read from there) */
  resultRef?: { messageID: string; partID: string }
  /** the parent got the notice of its end (journaled) */
  told: boolean
  /** times a restart of OpenCode resumed it */
  resumes: number
  error?: string
  /** true once the concurrency slot is given back; guards exactly-once release */
  released: boolean
  /**
   * A cancel was asked for while the child runs: the task keeps its slot until the
   * child has stopped (the abort succeeded, or the child ended by itself).
   */
  cancelling?: { reason: string; notify: boolean; attempts: number; aborting: boolean; error?: string }
}

export const isFinished = (t: Task) => t.status === "completed" || t.status === "error" || t.status === "cancelled"

export function estimateTaskBytes(t: Task): number {
  return (
    400 +
    (t.prompt?.length ?? 0) * 2 +
    (t.lastText?.text.length ?? 0) * 2 +
    (t.result?.length ?? 0) * 2 +
    (t.error?.length ?? 0) * 2 +
    t.toolParts.size * 64 +
    (t.description.length + t.id.length + (t.childID?.length ?? 0)) * 2
  )
}

export function runtime(t: Task, now: number): number {
  if (!t.startedAt) return 0
  return (t.endedAt ?? now) - t.startedAt
}

/** What the parent's entry.background shows of a task. */
export function view(t: Task): BackgroundTaskView {
  return {
    id: t.id,
    description: t.description,
    status: t.status,
    startedAt: t.startedAt,
    endedAt: t.endedAt,
    toolCalls: t.toolCalls,
    tokens: { ...t.tokens },
  }
}

/** The model a task runs on: the one asked for, else the parent's; a string explains a refusal. */
export function chooseModel(
  asked: string | undefined,
  providerID?: string,
  modelID?: string,
): { providerID: string; modelID: string } | string {
  if (asked) {
    const slash = asked.indexOf("/")
    if (slash <= 0 || slash === asked.length - 1) return `model must look like "provider/model", got "${asked.slice(0, 200)}"`
    return { providerID: asked.slice(0, slash), modelID: asked.slice(slash + 1) }
  }
  if (!providerID || !modelID) return 'no model known for this session yet; pass model as "provider/model"'
  return { providerID, modelID }
}

/** A queued task; every string it keeps is a bounded copy of the tool call's arguments. */
export function newTask(id: string, input: LaunchInput, providerID: string, modelID: string, now: number): Task {
  return {
    id,
    parentID: detach(input.parentID, 256),
    description: detach(input.description, 200),
    prompt: detach(input.prompt, 50_000),
    agent: detach(input.agent ?? "general", 100),
    providerID: detach(providerID, 200),
    modelID: detach(modelID, 200),
    status: "queued",
    createdAt: now,
    lastActivityAt: now,
    sawBusy: false,
    toolCalls: 0,
    toolParts: new Set(),
    tokens: { input: 0, output: 0 },
    lastText: undefined,
    told: false,
    resumes: 0,
    released: true, // holds no slot until it starts
  }
}
