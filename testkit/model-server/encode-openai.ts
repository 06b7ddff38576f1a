/** Encodes a `Reply` as an OpenAI chat completion: streamed chunks or one JSON body. */
import { outputTokens, scriptedPromptTokens, splitText, toolCallsWithIds } from "./reply"
import type { RecordedRequest, Reply } from "./types"

function usageOf(req: RecordedRequest, reply: Reply) {
  const cache = req.cache && !req.cache.error ? req.cache : undefined
  const prompt = cache ? cache.totalTokens : scriptedPromptTokens(req, reply)
  const completion = outputTokens(reply)
  const out: Record<string, unknown> = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion }
  const cached = cache ? cache.read : reply.usage?.cached_tokens
  if (cached !== undefined) out.prompt_tokens_details = { cached_tokens: cached }
  if (reply.usage?.reasoning_tokens !== undefined)
    out.completion_tokens_details = { reasoning_tokens: reply.usage.reasoning_tokens }
  return out
}

const ids = (reply: Reply) => toolCallsWithIds(reply, "call_e2e_")

/** SSE events, each `data: ...\n\n`, ending with `data: [DONE]`. */
export function openaiStreamEvents(req: RecordedRequest, reply: Reply, modelID: string): string[] {
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
  ids(reply).forEach((tc, i) => {
    chunks.push(
      choice({
        tool_calls: [{ index: i, id: tc.id, type: "function", function: { name: tc.name, arguments: JSON.stringify(tc.args) } }],
      }),
    )
  })
  const finish = reply.finishReason ?? ((reply.toolCalls?.length ?? 0) > 0 ? "tool_calls" : "stop")
  chunks.push(choice({}, finish))
  chunks.push({ ...base, choices: [], usage: usageOf(req, reply) })
  return [...chunks.map((c) => `data: ${JSON.stringify(c)}\n\n`), "data: [DONE]\n\n"]
}

export function openaiCompletionBody(req: RecordedRequest, reply: Reply, modelID: string) {
  const calls = ids(reply)
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

export function openaiError(error: NonNullable<Reply["error"]>): Response {
  return Response.json(
    { error: { message: error.message, type: error.type ?? "invalid_request_error", code: error.code ?? null } },
    { status: error.status, headers: error.headers },
  )
}
