/** What the session generator makes (its spec and defaults), what it yields, and what it counts. */

export interface StreamSpec {
  sessionID: string
  /** stop after this many messages (user + assistant, compaction messages included) */
  messages: number
  /** assistant messages (LLM steps) per user message; all but the last of a turn call a tool */
  stepsPerTurn: number
  /** tool output size of ordinary tool calls */
  smallToolBytes: number
  /** every N-th tool call returns a big output */
  bigToolEvery: number
  /** sizes of the big outputs, cycled */
  bigToolSizes: number[]
  /** every N-th user message gets summary.diffs at the end of its turn */
  diffEveryTurns: number
  diffFiles: number
  /** size of each file's patch (OpenCode diffs with unlimited context, so a patch holds the whole file) */
  diffPatchBytes: number
  /** how many times that message.updated (with the same diffs) is sent */
  diffResends: number
  /** assistant text size per step, streamed as deltas */
  textBytes: number
  deltaChunks: number
  todos: number
  context: number
  output: number
  /** synthetic seconds per LLM step (the plugin's clock follows the session's) */
  stepSeconds: number
  ownedPayloads: boolean
}

export type HookName =
  | "chat.message"
  | "chat.params"
  | "tool.execute.before"
  | "tool.execute.after"
  | "experimental.session.compacting"
  | "experimental.text.complete"

export type Step =
  | { kind: "event"; event: { id?: string; type: string; properties: Record<string, unknown> }; bytes: number }
  | { kind: "hook"; name: HookName; input: any; output: any; callID?: string }
  | { kind: "message"; count: number }

export interface StreamStats {
  events: number
  eventsByType: Record<string, number>
  hookCalls: Record<string, number>
  messages: number
  userMessages: number
  assistantMessages: number
  toolCalls: number
  bigToolOutputs: number
  toolOutputBytes: number
  diffEvents: number
  /** patch bytes summed over every diff-carrying event (resends counted) */
  diffEventBytes: number
  deltaEvents: number
  compactions: { requested: number; hostForced: number }
  /** bytes of payload strings referenced by events (tool outputs, texts, deltas, diff bodies) */
  payloadBytes: number
}

/** Controls shared with the fake client: the plugin asking for compaction steers the stream. */
export interface StreamControl {
  compactionRequested: boolean
}

export const DEFAULT_SPEC: Omit<StreamSpec, "messages" | "sessionID"> = {
  stepsPerTurn: 9,
  smallToolBytes: 4 * 1024,
  bigToolEvery: 10,
  bigToolSizes: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map((k) => k * 1024),
  diffEveryTurns: 10,
  diffFiles: 2,
  diffPatchBytes: 1800 * 1024,
  diffResends: 2,
  textBytes: 1024,
  deltaChunks: 8,
  todos: 8,
  context: 200_000,
  output: 32_000,
  stepSeconds: 3,
  ownedPayloads: true,
}

const _pad = (n: number) => String(n).padStart(10, "0")

export function describeSpec(spec: StreamSpec): string {
  const kb = (b: number) => `${Math.round(b / 1024)} KB`
  const sizes = spec.bigToolSizes
  return (
    `one session; turns of 1 user message + ${spec.stepsPerTurn} assistant messages (LLM steps); every step but a turn's last calls one tool; ` +
    `tool outputs ${kb(spec.smallToolBytes)}, except every ${spec.bigToolEvery}th tool call, whose output cycles ` +
    `${kb(sizes[0]!)}..${kb(sizes[sizes.length - 1]!)} (${sizes.length} sizes); every ${spec.diffEveryTurns}th user message gets ` +
    `summary.diffs with ${spec.diffFiles} files, each a ${kb(spec.diffPatchBytes)} patch (the shape OpenCode 1.18.33 sends: { file, patch, additions, deletions, status }), sent ${spec.diffResends}× ` +
    `(${kb(spec.diffFiles * spec.diffPatchBytes)} per event) and once more as session.diff (other turns: empty diffs); assistant text ${kb(spec.textBytes)} per step streamed as ` +
    `${spec.deltaChunks} message.part.delta events plus start and final part updates; todo.updated with ${spec.todos} todos per turn; ` +
    `context ${spec.context.toLocaleString("en-US")} tokens, compaction whenever the plugin asks (session.summarize) or the ` +
    `context reaches OpenCode's own overflow point; ${spec.ownedPayloads ? "every payload string is its own allocation" : "payloads are substrings of one shared string"}`
  )
}

export function newStats(): StreamStats {
  return {
    events: 0,
    eventsByType: {},
    hookCalls: {},
    messages: 0,
    userMessages: 0,
    assistantMessages: 0,
    toolCalls: 0,
    bigToolOutputs: 0,
    toolOutputBytes: 0,
    diffEvents: 0,
    diffEventBytes: 0,
    deltaEvents: 0,
    compactions: { requested: 0, hostForced: 0 },
    payloadBytes: 0,
  }
}
