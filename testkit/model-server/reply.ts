/** What both APIs' encoders share: tool call ids, text pieces, output tokens, delays. */
import { estimateTokens } from "../prompt-cache"
import type { RecordedRequest, Reply, ToolCallSpec } from "./types"

/** The estimate of the scripted servers: estimateTokens, at least 1. */
export function tokensOf(text: string): number {
  return Math.max(1, estimateTokens(text))
}

/** The reply's output tokens: scripted, else estimated from its text, reasoning and tool calls. */
export function outputTokens(reply: Reply): number {
  if (reply.usage) return reply.usage.completion_tokens
  const chars =
    (reply.text ?? "") + (reply.reasoning ?? "") + (reply.toolCalls ?? []).map((t) => t.name + JSON.stringify(t.args)).join("")
  return tokensOf(chars)
}

/** Prompt tokens when no cache model counted the request: scripted, else estimated. */
export function scriptedPromptTokens(req: RecordedRequest, reply: Reply): number {
  return reply.usage ? reply.usage.prompt_tokens : tokensOf(req.allText)
}

let callCounter = 0
export function toolCallsWithIds(reply: Reply, prefix: string): (ToolCallSpec & { id: string })[] {
  return (reply.toolCalls ?? []).map((tc) => ({ ...tc, id: tc.id ?? `${prefix}${++callCounter}` }))
}

export function splitText(text: string, pieces: number): string[] {
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

/**
 * A streamed reply: the first event at once (the client sees the response start), then the
 * reply's delay, then the rest with `chunkDelayMs` between them; stops if the client goes.
 */
export function sseResponse(events: string[], reply: Reply, signal: AbortSignal): Response {
  const encoder = new TextEncoder()
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      try {
        if (events[0] !== undefined) controller.enqueue(encoder.encode(events[0]))
        if (reply.delayMs) await sleep(reply.delayMs, signal)
        for (const event of events.slice(1)) {
          if (signal.aborted) break
          controller.enqueue(encoder.encode(event))
          if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs, signal)
        }
        controller.close()
      } catch {
        // client went away
      }
    },
  })
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" },
  })
}
