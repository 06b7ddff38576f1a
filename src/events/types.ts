/**
 * The events the plugin consumes, parsed once at the edge (./parse.ts) into this
 * union. Each carries only the fields some part of the plugin uses. Strings here may
 * still belong to OpenCode's payload: whatever is kept beyond the handler must be
 * copied (see ../runtime/detach.ts), never sliced.
 */

export interface TokenCounts {
  input: number
  output: number
  reasoning: number
  cacheRead: number
  cacheWrite: number
  /** OpenCode's own total, when it reports one (it includes reasoning) */
  total?: number
}

export interface TodoItem {
  content: string
  status: string
  priority?: string
}

export interface MessageInfo {
  id: string
  role: "user" | "assistant" | "unknown"
  /** agent, or mode for older releases */
  agent?: string
  providerID?: string
  modelID?: string
  /** the model variant a user message asked for (model.variant), e.g. "high" */
  variant?: string
  /** a user message's tool switches, e.g. { question: false } */
  tools?: Record<string, boolean>
  created?: number
  completed?: number
  finish?: string
  errorName?: string
  errorMessage?: string
  /** a compaction summary (summary: true, or the compaction agent) */
  summary: boolean
  tokens?: TokenCounts
  /** what OpenCode priced the step at, in dollars (its own figure) */
  cost?: number
  /** summary.diffs of a user message, measured: file name and body bytes only */
  diffs?: Array<{ file: string; bytes: number }>
}

export type PartInfo =
  | {
      kind: "text" | "reasoning"
      id: string
      messageID: string
      text: string
      /** added by OpenCode or a plugin, not typed by the person */
      synthetic: boolean
      /** shown to the person, never sent to the model (a command's output) */
      ignored: boolean
      /** one of this plugin's own prompts or notices (see ./own-text.ts) */
      own: boolean
    }
  | { kind: "tool"; id: string; messageID: string; tool: string; status?: string; outputBytes: number }
  | { kind: "other"; id: string; messageID: string }

export type SessionStatusType = "idle" | "busy" | "retry" | "unknown"

export type LongrunEvent =
  | { type: "message.updated"; sessionID: string; info: MessageInfo }
  | { type: "message.removed"; sessionID: string; messageID: string }
  | { type: "message.part.updated"; sessionID: string; part: PartInfo }
  | { type: "message.part.delta"; sessionID: string; messageID: string; partID: string; field: string; delta: string }
  | { type: "message.part.removed"; sessionID: string; messageID: string; partID: string }
  | { type: "session.status"; sessionID: string; status: SessionStatusType }
  | { type: "session.idle"; sessionID: string }
  | { type: "session.compacted"; sessionID: string }
  | { type: "session.created" | "session.updated"; sessionID: string; parentID?: string }
  | { type: "session.deleted"; sessionID: string }
  | {
      type: "session.error"
      sessionID: string | undefined
      errorName?: string
      errorMessage?: string
      /** the provider's HTTP status, for API errors */
      errorStatus?: number
    }
  | { type: "todo.updated"; sessionID: string; todos: TodoItem[] }

export type EventType = LongrunEvent["type"]
export type EventOf<K extends EventType> = Extract<LongrunEvent, { type: K }>

/** Every type the parser knows, for routing tables and the "seen" counters. */
export const EVENT_TYPES: readonly EventType[] = [
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
  "session.deleted",
  "session.error",
  "todo.updated",
]
