/** What the scripted model server records about a request, and what a script answers. */

export interface ToolCallSpec {
  name: string
  args: Record<string, unknown>
  /** Tool call id; generated when omitted. */
  id?: string
}

export interface ReplyUsage {
  prompt_tokens: number
  completion_tokens: number
  /** Sent as `prompt_tokens_details.cached_tokens` (OpenCode's `tokens.cache.read`). */
  cached_tokens?: number
  /** Sent as `completion_tokens_details.reasoning_tokens`. */
  reasoning_tokens?: number
}

export interface Reply {
  text?: string
  toolCalls?: ToolCallSpec[]
  /** Defaults to an estimate: request chars / 4 and reply chars / 4. */
  usage?: ReplyUsage
  /** Wait this long before the first chunk (aborted early if the client disconnects). */
  delayMs?: number
  /** Wait this long between streamed chunks. */
  chunkDelayMs?: number
  /** Streamed as `delta.reasoning_content` before the text. */
  reasoning?: string
  /** Overrides the finish reason ("tool_calls" when there are tool calls, else "stop"). */
  finishReason?: string
  /** Answer with an HTTP error instead of a completion. */
  error?: { status: number; message: string; code?: string; type?: string; headers?: Record<string, string> }
}

export type RequestKind = "agent" | "title" | "compaction" | "other"

export interface ChatMessage {
  role: string
  content?: unknown
  tool_calls?: { id: string; type: string; function: { name: string; arguments: string } }[]
  tool_call_id?: string
  [key: string]: unknown
}

export interface RecordedRequest {
  /** 0-based position among all chat requests this server received. */
  index: number
  /** ms since epoch when the request arrived */
  time: number
  method: string
  path: string
  headers: Record<string, string>
  /** The parsed JSON body. */
  body: any
  model: string
  stream: boolean
  messages: ChatMessage[]
  /** Text of all system messages, joined with "\n". */
  system: string
  /** Text of every message (any role, including tool results and tool-call arguments) joined with "\n". */
  allText: string
  /** Names of the tools offered (`body.tools[].function.name`). */
  toolNames: string[]
  /** Text of the first user message ("" when none). */
  firstUserText: string
  /** Text of the last user message ("" when none). */
  lastUserText: string
  /** Contents of every `role: "tool"` message, in order. */
  toolResults: { toolCallId: string; content: string }[]
  /** Tool calls found in earlier assistant messages of this request. */
  priorToolCalls: { id: string; name: string; args: string }[]
  isTitle: boolean
  isCompaction: boolean
  kind: RequestKind
  /** OpenCode's session id, from the `x-session-id` header OpenCode 1.18 sends ("" when absent). */
  sessionID: string
  /** The session id when known, else the first user text: identifies the conversation. */
  sessionKey: string
}

export interface ScriptContext {
  /** Position among all chat requests. */
  index: number
  /** Position among requests of the same kind in the same session (`sessionKey`). */
  sessionIndex: number
  /** Position among agent requests (title/compaction requests excluded). */
  agentIndex: number
}

export type Script = (req: RecordedRequest, ctx: ScriptContext) => Reply | Promise<Reply>

export interface AutoReplies {
  /** Reply for title-generation requests; `false` passes them to the script. */
  title?: Reply | false
  /** Reply for compaction requests; `false` passes them to the script. */
  compaction?: Reply | false
}

export interface ModelServerOptions {
  script?: Script
  auto?: AutoReplies
  /** Model id reported by GET /v1/models. */
  modelID?: string
}

export interface ModelServer {
  url: string
  port: number
  /** Every chat request, in arrival order. */
  requests: RecordedRequest[]
  /** Agent requests only (no title or compaction requests). */
  agentRequests(): RecordedRequest[]
  setScript(script: Script, auto?: AutoReplies): void
  /** Resolves with the first recorded request (past or future) that matches. */
  waitForRequest(predicate: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>
  close(): Promise<void>
}
