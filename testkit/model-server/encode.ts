/** Encodes a `Reply` as an OpenAI chat completion: streamed chunks or one JSON body. */
import type { RecordedRequest, Reply } from "./types"

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

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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

export function streamChunks(req: RecordedRequest, reply: Reply, modelID: string): Record<string, unknown>[] {
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

export function completionBody(req: RecordedRequest, reply: Reply, modelID: string) {
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
