/**
 * A scripted OpenAI-compatible model server for end-to-end tests.
 *
 * OpenCode is configured with a provider whose `baseURL` points here. Every request is
 * recorded (see `RecordedRequest`) and answered by a `Script`, which returns a `Reply`:
 * text, tool calls, usage and an optional delay. Title-generation and compaction
 * requests are answered automatically (see `ModelServerOptions.auto`) so scenarios only
 * script the agent turns.
 */

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

// ---------------------------------------------------------------------------------------
// Script helpers

export const DEFAULT_TITLE_REPLY: Reply = { text: "E2E scripted session", usage: { prompt_tokens: 50, completion_tokens: 5 } }
export const DEFAULT_COMPACTION_REPLY: Reply = {
  text: "## Summary\nThe user asked for work in an e2e test; the assistant did it. Continue where we left off.",
  usage: { prompt_tokens: 200, completion_tokens: 30 },
}
export const DEFAULT_FALLBACK_REPLY: Reply = { text: "Done." }

/**
 * Answers the N-th call with `replies[N]`, then `fallback` (default: the text "Done.").
 * The counter is the sequence's own, so it counts only the requests routed to it.
 */
export function sequence(replies: Reply[], fallback: Reply = DEFAULT_FALLBACK_REPLY): Script {
  let n = 0
  return () => {
    const r = replies[n] ?? fallback
    n++
    return r
  }
}

/** The same reply every time. */
export function always(reply: Reply): Script {
  return () => reply
}

export type RouteMatch = string | RegExp | ((req: RecordedRequest) => boolean)

/**
 * Routes each request to the first script whose matcher fits. A string matches when the
 * first user message contains it; a RegExp is tested against the first user message.
 * Background child sessions start with their own first user message (the task prompt),
 * so this scripts them separately from the parent.
 */
export function bySession(routes: [RouteMatch, Script][], fallback: Script = always(DEFAULT_FALLBACK_REPLY)): Script {
  return (req, ctx) => {
    for (const [match, script] of routes) {
      const ok =
        typeof match === "string"
          ? req.firstUserText.includes(match)
          : match instanceof RegExp
            ? match.test(req.firstUserText)
            : match(req)
      if (ok) return script(req, ctx)
    }
    return fallback(req, ctx)
  }
}

/** Wraps a script so title and compaction requests get automatic replies. */
export function withAutoReplies(script: Script, auto: AutoReplies = {}): Script {
  const title = auto.title === undefined ? DEFAULT_TITLE_REPLY : auto.title
  const compaction = auto.compaction === undefined ? DEFAULT_COMPACTION_REPLY : auto.compaction
  return (req, ctx) => {
    if (req.isTitle && title) return title
    if (req.isCompaction && compaction) return compaction
    return script(req, ctx)
  }
}

// ---------------------------------------------------------------------------------------
// Request analysis

export function contentText(content: unknown): string {
  if (content == null) return ""
  if (typeof content === "string") return content
  if (Array.isArray(content)) {
    return content
      .map((p: any) => {
        if (typeof p === "string") return p
        if (p && typeof p.text === "string") return p.text
        return ""
      })
      .filter((s) => s.length > 0)
      .join("\n")
  }
  if (typeof content === "object" && typeof (content as any).text === "string") return (content as any).text
  return ""
}

function messageText(m: ChatMessage): string {
  const parts = [contentText(m.content)]
  for (const tc of m.tool_calls ?? []) parts.push(`${tc.function?.name ?? ""} ${tc.function?.arguments ?? ""}`)
  return parts.filter((s) => s.length > 0).join("\n")
}

const COMPACTION_MARKERS = [
  /^\s*here is the conversation so far/i,
  /provide a detailed (prompt|summary) for continuing our conversation/i,
  /summariz(e|ing) (the|our) conversation/i,
  /create a (detailed )?summary of (the|our) conversation/i,
]

const TITLE_MARKERS = [/you are a title generator/i, /generate a (short )?title/i, /title for (this|the) conversation/i]

export function analyzeRequest(index: number, method: string, path: string, headers: Record<string, string>, body: any): RecordedRequest {
  const messages: ChatMessage[] = Array.isArray(body?.messages) ? body.messages : []
  const system = messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => contentText(m.content))
    .join("\n")
  const users = messages.filter((m) => m.role === "user")
  const firstUserText = users.length > 0 ? contentText(users[0]!.content) : ""
  const lastUserText = users.length > 0 ? contentText(users[users.length - 1]!.content) : ""
  const toolNames: string[] = Array.isArray(body?.tools)
    ? body.tools.map((t: any) => t?.function?.name ?? t?.name).filter((n: unknown): n is string => typeof n === "string")
    : []
  const toolResults = messages
    .filter((m) => m.role === "tool")
    .map((m) => ({ toolCallId: String(m.tool_call_id ?? ""), content: contentText(m.content) }))
  const priorToolCalls = messages.flatMap((m) =>
    (m.tool_calls ?? []).map((tc) => ({ id: tc.id, name: tc.function?.name ?? "", args: tc.function?.arguments ?? "" })),
  )
  const allText = messages.map(messageText).join("\n")
  const isTitle = toolNames.length === 0 && TITLE_MARKERS.some((re) => re.test(system) || re.test(firstUserText))
  const isCompaction =
    !isTitle && toolNames.length === 0 && COMPACTION_MARKERS.some((re) => re.test(lastUserText))
  const kind: RequestKind = isTitle ? "title" : isCompaction ? "compaction" : messages.length > 0 ? "agent" : "other"
  const sessionID = headers["x-session-id"] ?? headers["x-session-affinity"] ?? ""
  const sessionKey = sessionID || firstUserText
  return {
    index,
    time: Date.now(),
    method,
    path,
    headers,
    body,
    model: String(body?.model ?? ""),
    stream: body?.stream === true,
    messages,
    system,
    allText,
    toolNames,
    firstUserText,
    lastUserText,
    toolResults,
    priorToolCalls,
    isTitle,
    isCompaction,
    kind,
    sessionID,
    sessionKey,
  }
}

// ---------------------------------------------------------------------------------------
// Response encoding

function estimateTokens(s: string): number {
  return Math.max(1, Math.ceil(s.length / 4))
}

function usageOf(req: RecordedRequest, reply: Reply) {
  const replyChars =
    (reply.text ?? "") + (reply.reasoning ?? "") + (reply.toolCalls ?? []).map((t) => t.name + JSON.stringify(t.args)).join("")
  const u = reply.usage ?? { prompt_tokens: estimateTokens(req.allText), completion_tokens: estimateTokens(replyChars) }
  const out: Record<string, unknown> = {
    prompt_tokens: u.prompt_tokens,
    completion_tokens: u.completion_tokens,
    total_tokens: u.prompt_tokens + u.completion_tokens,
  }
  if (u.cached_tokens !== undefined) out.prompt_tokens_details = { cached_tokens: u.cached_tokens }
  if (u.reasoning_tokens !== undefined) out.completion_tokens_details = { reasoning_tokens: u.reasoning_tokens }
  return out
}

let callCounter = 0
function toolCallsWithIds(reply: Reply) {
  return (reply.toolCalls ?? []).map((tc) => ({ ...tc, id: tc.id ?? `call_e2e_${++callCounter}` }))
}

function splitText(text: string, pieces: number): string[] {
  if (text.length <= 8) return [text]
  const size = Math.ceil(text.length / pieces)
  const out: string[] = []
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size))
  return out
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve) => {
    const t = setTimeout(done, ms)
    function done() {
      clearTimeout(t)
      signal?.removeEventListener("abort", done)
      resolve()
    }
    signal?.addEventListener("abort", done, { once: true })
  })
}

function streamChunks(req: RecordedRequest, reply: Reply, modelID: string): Record<string, unknown>[] {
  const id = `chatcmpl-e2e-${req.index}`
  const created = Math.floor(Date.now() / 1000)
  const base = { id, object: "chat.completion.chunk", created, model: modelID }
  const chunks: Record<string, unknown>[] = []
  const choice = (delta: Record<string, unknown>, finish_reason: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason }],
  })
  chunks.push(choice({ role: "assistant", content: "" }))
  if (reply.reasoning) for (const piece of splitText(reply.reasoning, 3)) chunks.push(choice({ reasoning_content: piece }))
  if (reply.text) for (const piece of splitText(reply.text, 3)) chunks.push(choice({ content: piece }))
  toolCallsWithIds(reply).forEach((tc, i) => {
    chunks.push(
      choice({
        tool_calls: [{ index: i, id: tc.id, type: "function", function: { name: tc.name, arguments: JSON.stringify(tc.args) } }],
      }),
    )
  })
  const finish = reply.finishReason ?? ((reply.toolCalls?.length ?? 0) > 0 ? "tool_calls" : "stop")
  chunks.push(choice({}, finish))
  chunks.push({ ...base, choices: [], usage: usageOf(req, reply) })
  return chunks
}

function completionBody(req: RecordedRequest, reply: Reply, modelID: string) {
  const calls = toolCallsWithIds(reply)
  return {
    id: `chatcmpl-e2e-${req.index}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: modelID,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: reply.text ?? null,
          ...(reply.reasoning ? { reasoning_content: reply.reasoning } : {}),
          ...(calls.length > 0
            ? {
                tool_calls: calls.map((tc) => ({
                  id: tc.id,
                  type: "function",
                  function: { name: tc.name, arguments: JSON.stringify(tc.args) },
                })),
              }
            : {}),
        },
        finish_reason: reply.finishReason ?? (calls.length > 0 ? "tool_calls" : "stop"),
      },
    ],
    usage: usageOf(req, reply),
  }
}

// ---------------------------------------------------------------------------------------
// Server

export function startModelServer(opts: ModelServerOptions = {}): ModelServer {
  const modelID = opts.modelID ?? "scripted-model"
  const requests: RecordedRequest[] = []
  const perSession = new Map<string, number>()
  let agentCount = 0
  let script: Script = withAutoReplies(opts.script ?? always(DEFAULT_FALLBACK_REPLY), opts.auto)
  const waiters = new Set<{ predicate: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }>()

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // Replies may be delayed for a long time (abort tests); never drop idle connections.
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const path = url.pathname.replace(/\/+$/, "")
      if (request.method === "GET" && (path === "/v1/models" || path === "/models")) {
        return Response.json({
          object: "list",
          data: [{ id: modelID, object: "model", created: 0, owned_by: "e2e" }],
        })
      }
      if (request.method !== "POST" || !(path === "/v1/chat/completions" || path === "/chat/completions")) {
        return Response.json({ error: { message: `not found: ${request.method} ${url.pathname}` } }, { status: 404 })
      }
      let body: any
      try {
        body = await request.json()
      } catch (e) {
        return Response.json({ error: { message: `bad JSON: ${String(e)}` } }, { status: 400 })
      }
      const headers: Record<string, string> = {}
      request.headers.forEach((v, k) => {
        headers[k] = k === "authorization" ? "<redacted>" : v
      })
      const rec = analyzeRequest(requests.length, request.method, url.pathname, headers, body)
      requests.push(rec)
      const counterKey = `${rec.kind}\u0000${rec.sessionKey}`
      const sessionIndex = perSession.get(counterKey) ?? 0
      perSession.set(counterKey, sessionIndex + 1)
      const agentIndex = rec.kind === "agent" ? agentCount++ : -1
      for (const w of [...waiters]) {
        if (w.predicate(rec)) {
          waiters.delete(w)
          w.resolve(rec)
        }
      }

      let reply: Reply
      try {
        reply = await script(rec, { index: rec.index, sessionIndex, agentIndex })
      } catch (e) {
        return Response.json({ error: { message: `script threw: ${String(e)}`, type: "server_error" } }, { status: 500 })
      }
      if (reply.error) {
        if (reply.delayMs) await sleep(reply.delayMs, request.signal)
        return Response.json(
          { error: { message: reply.error.message, type: reply.error.type ?? "invalid_request_error", code: reply.error.code ?? null } },
          { status: reply.error.status, headers: reply.error.headers },
        )
      }
      if (!rec.stream) {
        if (reply.delayMs) await sleep(reply.delayMs, request.signal)
        return Response.json(completionBody(rec, reply, modelID))
      }
      const chunks = streamChunks(rec, reply, modelID)
      const encoder = new TextEncoder()
      const signal = request.signal
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          try {
            // Send the first chunk right away so the client sees the response start,
            // then honour the delay before the content.
            controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunks[0])}\n\n`))
            if (reply.delayMs) await sleep(reply.delayMs, signal)
            for (const chunk of chunks.slice(1)) {
              if (signal.aborted) break
              controller.enqueue(encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`))
              if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs, signal)
            }
            if (!signal.aborted) controller.enqueue(encoder.encode("data: [DONE]\n\n"))
            controller.close()
          } catch {
            // client went away
          }
        },
      })
      return new Response(stream, {
        headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
      })
    },
  })

  const port = server.port!
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    agentRequests: () => requests.filter((r) => r.kind === "agent"),
    setScript(next, auto) {
      script = withAutoReplies(next, auto)
    },
    waitForRequest(predicate, timeoutMs = 30_000) {
      const found = requests.find(predicate)
      if (found) return Promise.resolve(found)
      return new Promise((resolve, reject) => {
        const w = {
          predicate,
          resolve: (r: RecordedRequest) => {
            clearTimeout(timer)
            resolve(r)
          },
        }
        const timer = setTimeout(() => {
          waiters.delete(w)
          reject(new Error(`model server: no matching request within ${timeoutMs} ms (${requests.length} requests so far)`))
        }, timeoutMs)
        waiters.add(w)
      })
    },
    async close() {
      for (const w of waiters) waiters.delete(w)
      await server.stop(true)
    },
  }
}
