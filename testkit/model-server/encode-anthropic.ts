/**
 * Encodes a `Reply` as an Anthropic Messages response: the SSE events Anthropic streams
 * (message_start with usage, content_block_start/delta/stop for thinking, text and tool_use,
 * message_delta with stop_reason and usage, message_stop) or one JSON message.
 */
import { outputTokens, scriptedPromptTokens, splitText, toolCallsWithIds } from "./reply"
import type { RecordedRequest, Reply } from "./types"

function stopReason(reply: Reply): string {
  const f = reply.finishReason ?? ((reply.toolCalls?.length ?? 0) > 0 ? "tool_calls" : "stop")
  return f === "tool_calls" ? "tool_use" : f === "stop" ? "end_turn" : f === "length" ? "max_tokens" : f
}

/** The prompt side of the usage: the cache model's when it counted the request, else as scripted. */
function inputUsage(req: RecordedRequest, reply: Reply): Record<string, unknown> {
  if (req.cache && !req.cache.error) return req.cache.usage
  const prompt = scriptedPromptTokens(req, reply)
  const read = Math.min(prompt, reply.usage?.cached_tokens ?? 0)
  return {
    input_tokens: prompt - read,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: read,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
  }
}

/** Content blocks of the reply, in the order they stream. Thinking gets a made-up signature. */
function contentBlocks(req: RecordedRequest, reply: Reply): Record<string, any>[] {
  const out: Record<string, any>[] = []
  if (reply.reasoning) out.push({ type: "thinking", thinking: reply.reasoning, signature: `sig-e2e-${req.index}` })
  if (reply.text) out.push({ type: "text", text: reply.text })
  for (const tc of toolCallsWithIds(reply, "toolu_e2e_")) out.push({ type: "tool_use", id: tc.id, name: tc.name, input: tc.args })
  return out
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`
}

function deltasOf(block: Record<string, any>): Record<string, unknown>[] {
  if (block.type === "thinking")
    return [
      ...splitText(block.thinking, 3).map((thinking) => ({ type: "thinking_delta", thinking })),
      { type: "signature_delta", signature: block.signature },
    ]
  if (block.type === "text") return splitText(block.text, 3).map((text) => ({ type: "text_delta", text }))
  const json = JSON.stringify(block.input)
  return splitText(json, 2).map((partial_json) => ({ type: "input_json_delta", partial_json }))
}

function startOf(block: Record<string, any>): Record<string, unknown> {
  if (block.type === "thinking") return { type: "thinking", thinking: "", signature: "" }
  if (block.type === "text") return { type: "text", text: "" }
  return { type: "tool_use", id: block.id, name: block.name, input: {} }
}

export function anthropicStreamEvents(req: RecordedRequest, reply: Reply, modelID: string): string[] {
  const usage = inputUsage(req, reply)
  const out = [
    event("message_start", {
      message: {
        id: `msg_e2e_${req.index}`,
        type: "message",
        role: "assistant",
        model: modelID,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { ...usage, output_tokens: 1 },
      },
    }),
    event("ping", {}),
  ]
  contentBlocks(req, reply).forEach((block, index) => {
    out.push(event("content_block_start", { index, content_block: startOf(block) }))
    for (const delta of deltasOf(block)) out.push(event("content_block_delta", { index, delta }))
    out.push(event("content_block_stop", { index }))
  })
  out.push(
    event("message_delta", {
      delta: { stop_reason: stopReason(reply), stop_sequence: null },
      usage: { ...usage, output_tokens: outputTokens(reply) },
    }),
    event("message_stop", {}),
  )
  return out
}

export function anthropicMessageBody(req: RecordedRequest, reply: Reply, modelID: string) {
  return {
    id: `msg_e2e_${req.index}`,
    type: "message",
    role: "assistant",
    model: modelID,
    content: contentBlocks(req, reply),
    stop_reason: stopReason(reply),
    stop_sequence: null,
    usage: { ...inputUsage(req, reply), output_tokens: outputTokens(reply) },
  }
}

const ERROR_TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  529: "overloaded_error",
}

/** `{ type: "error", error: { type, message } }` with the status, as Anthropic answers. */
export function anthropicError(error: { status: number; message: string; type?: string; headers?: Record<string, string> }) {
  const type = error.type ?? ERROR_TYPES[error.status] ?? "api_error"
  return Response.json(
    { type: "error", error: { type, message: error.message } },
    { status: error.status, headers: error.headers },
  )
}
