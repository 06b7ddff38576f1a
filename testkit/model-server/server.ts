/**
 * A scripted model server for end-to-end tests, speaking two APIs on one port:
 * OpenAI's chat completions (POST /v1/chat/completions, GET /v1/models) and Anthropic's
 * Messages API (POST /v1/messages). Point `@ai-sdk/openai-compatible` or `@ai-sdk/anthropic`
 * at `url` (http://127.0.0.1:PORT/v1).
 *
 * Every request is recorded (see `RecordedRequest`) and answered by a `Script`, which returns
 * a `Reply`: text, tool calls, reasoning, usage and an optional delay. Title-generation and
 * compaction requests are answered automatically (see `ModelServerOptions.auto`) so scenarios
 * only script the agent turns. Anthropic requests are counted by a faithful prompt-cache model
 * on the server's clock (`now`, `advanceClock`); OpenAI requests too when `openaiCache` is set.
 */
import { analyzeRequest } from "./analyze"
import { analyzeAnthropicRequest } from "./analyze-anthropic"
import { createCacheCounter } from "./cache-counter"
import { anthropicError, anthropicMessageBody, anthropicStreamEvents } from "./encode-anthropic"
import { openaiCompletionBody, openaiError, openaiStreamEvents } from "./encode-openai"
import { sleep, sseResponse } from "./reply"
import { always, DEFAULT_FALLBACK_REPLY, withAutoReplies } from "./scripts"
import type { ModelServer, ModelServerOptions, RecordedRequest, Reply, Script } from "./types"

const API_PATHS: Record<string, RecordedRequest["api"]> = {
  "/v1/chat/completions": "openai",
  "/chat/completions": "openai",
  "/v1/messages": "anthropic",
  "/messages": "anthropic",
}

const SECRET_HEADERS = new Set(["authorization", "x-api-key"])

export function startModelServer(opts: ModelServerOptions = {}): ModelServer {
  const modelID = opts.modelID ?? "scripted-model"
  const requests: RecordedRequest[] = []
  const perSession = new Map<string, number>()
  let agentCount = 0
  let script: Script = withAutoReplies(opts.script ?? always(DEFAULT_FALLBACK_REPLY), opts.auto)
  const waiters = new Set<{ predicate: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }>()
  let clockOffset = 0
  const baseNow = opts.now ?? Date.now
  const now = () => baseNow() + clockOffset
  const caches = createCacheCounter(opts, now)

  const errorFor = (api: RecordedRequest["api"], error: NonNullable<Reply["error"]>) =>
    api === "anthropic" ? anthropicError(error) : openaiError(error)

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
      const api = request.method === "POST" ? API_PATHS[path] : undefined
      if (!api) return openaiError({ status: 404, message: `not found: ${request.method} ${url.pathname}` })
      let body: any
      try {
        body = await request.json()
      } catch (e) {
        return errorFor(api, { status: 400, message: `bad JSON: ${String(e)}` })
      }
      const headers: Record<string, string> = {}
      request.headers.forEach((v, k) => {
        headers[k] = SECRET_HEADERS.has(k) ? "<redacted>" : v
      })
      const analyze = api === "anthropic" ? analyzeAnthropicRequest : analyzeRequest
      const rec = analyze(requests.length, request.method, url.pathname, headers, body)
      const refusal = caches.count(rec)
      requests.push(rec)
      if (refusal) return errorFor(api, { status: 400, message: refusal })
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
        return errorFor(api, {
          status: 500,
          message: `script threw: ${String(e)}`,
          type: api === "anthropic" ? "api_error" : "server_error",
        })
      }
      if (reply.error) {
        if (reply.delayMs) await sleep(reply.delayMs, request.signal)
        return errorFor(api, reply.error)
      }
      if (!rec.stream) {
        if (reply.delayMs) await sleep(reply.delayMs, request.signal)
        return Response.json(
          api === "anthropic" ? anthropicMessageBody(rec, reply, modelID) : openaiCompletionBody(rec, reply, modelID),
        )
      }
      const events = api === "anthropic" ? anthropicStreamEvents(rec, reply, modelID) : openaiStreamEvents(rec, reply, modelID)
      return sseResponse(events, reply, request.signal)
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
    now,
    advanceClock(ms) {
      clockOffset += Math.max(0, ms)
    },
    cacheTotals: (predicate) => caches.totals(predicate ? requests.filter(predicate) : requests),
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
