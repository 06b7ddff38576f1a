/** What the scripted model server records about a request, and what a script answers. */

export interface ToolCallSpec {
  name: string
  args: Record<string, unknown>
  /** Tool call id; generated when omitted. */
  id?: string
}

/**
 * Scripted token usage. Where a prompt cache model counts the request (the Anthropic route by
 * default, the OpenAI route with `openaiCache`), the prompt side (prompt_tokens, cached_tokens)
 * comes from the model and only completion_tokens and reasoning_tokens are taken from here.
 */
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
  /** Streamed before the text: `delta.reasoning_content` (OpenAI), a `thinking` block (Anthropic). */
  reasoning?: string
  /**
   * Overrides the finish reason ("tool_calls" when there are tool calls, else "stop"); the
   * Anthropic route sends these as "tool_use" and "end_turn" ("length" as "max_tokens").
   */
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

/** What a prompt-cache model counted for one request (testkit/prompt-cache). */
export interface CacheRecord {
  /** The server's clock (see `ModelServer.now`) when the request was counted. */
  at: number
  /** Tokens of the whole prompt (estimateTokens of each block). */
  totalTokens: number
  /** Tokens read from the cache, written to it (always 0 on OpenAI), and billed as plain input. */
  read: number
  write: number
  input: number
  /** `at` labels of the blocks that carried cache_control ("system[0]", "messages[3].content[1]"). */
  breakpoints: string[]
  /** Blocks in the prompt, and how many leading ones were read; `readUpTo` labels the last. */
  blocks: number
  readBlocks: number
  readUpTo?: string
  /**
   * Tokens the previous request of the same session and kind left in the cache (read + write)
   * that this one did not read: above 0, the cache was busted (a changed prefix or a TTL).
   */
  lost: number
  /** Entries found expired at this request. */
  expired: number
  /** The usage's prompt side exactly as the API reports it. */
  usage: Record<string, unknown>
  /** Set when the API refused the request (e.g. five breakpoints); nothing was counted. */
  error?: string
}

export interface RecordedRequest {
  /** Which API the request came through: /v1/chat/completions or /v1/messages. */
  api: "openai" | "anthropic"
  /** 0-based position among all chat requests this server received. */
  index: number
  /** ms since epoch when the request arrived (real time; the cache's clock is `cache.at`) */
  time: number
  method: string
  path: string
  headers: Record<string, string>
  /** The parsed JSON body. */
  body: any
  model: string
  stream: boolean
  /** The body's messages (Anthropic's keep their content blocks, tool results inside user messages). */
  messages: ChatMessage[]
  /** Text of all system messages (Anthropic: the system blocks), joined with "\n". */
  system: string
  /** Text of every message (any role, including tool results and tool-call arguments) joined with "\n". */
  allText: string
  /** Names of the tools offered (`body.tools[].function.name`). */
  toolNames: string[]
  /** Text of the first user message ("" when none; Anthropic: of the first user message with text). */
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
  /** What the prompt-cache model counted, when one counted this request. */
  cache?: CacheRecord
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

export interface CacheTotals {
  requests: number
  read: number
  write: number
  input: number
  /** Requests with `lost` > 0, and the tokens they lost. */
  busts: number
  lost: number
}

export interface ModelServerOptions {
  script?: Script
  auto?: AutoReplies
  /** Model id reported by GET /v1/models. */
  modelID?: string
  /** The prompt caches' clock (default Date.now); `advanceClock` moves it further. */
  now?: () => number
  /**
   * POST /v1/messages counts every request with AnthropicPromptCache (default on):
   * `minTokens` (1024) and `lookback` (20) as there. `false`: usage as scripted, no cache.
   */
  anthropicCache?: false | { minTokens?: number; lookback?: number }
  /**
   * POST /v1/chat/completions counts requests with OpenAIPromptCache and reports its
   * `prompt_tokens` and `cached_tokens` (default off: usage as scripted or estimated).
   */
  openaiCache?: boolean | { minTokens?: number; step?: number; ttlMs?: number }
}

export interface ModelServer {
  url: string
  port: number
  /** Every chat request, in arrival order. */
  requests: RecordedRequest[]
  /** Agent requests only (no title or compaction requests). */
  agentRequests(): RecordedRequest[]
  setScript(script: Script, auto?: AutoReplies): void
  /** The prompt caches' clock now. */
  now(): number
  /** Moves the prompt caches' clock forward (a person's 12-minute pause, in no real time). */
  advanceClock(ms: number): void
  /** Sums of what the caches counted, over the requests that match (default: all). */
  cacheTotals(predicate?: (r: RecordedRequest) => boolean): CacheTotals
  /** Resolves with the first recorded request (past or future) that matches. */
  waitForRequest(predicate: (r: RecordedRequest) => boolean, timeoutMs?: number): Promise<RecordedRequest>
  close(): Promise<void>
}
