/**
 * A scripted OpenAI-compatible model server for end-to-end tests.
 *
 * OpenCode is configured with a provider whose `baseURL` points here. Every request is
 * recorded (see `RecordedRequest`) and answered by a `Script`, which returns a `Reply`:
 * text, tool calls, usage and an optional delay. Title-generation and compaction
 * requests are answered automatically (see `ModelServerOptions.auto`) so scenarios only
 * script the agent turns.
 */
import { analyzeRequest } from "./analyze"
import { completionBody, sleep, streamChunks } from "./encode"
import { always, DEFAULT_FALLBACK_REPLY, withAutoReplies } from "./scripts"
import type { ModelServer, ModelServerOptions, RecordedRequest, Reply, Script } from "./types"

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
          {
            error: {
              message: reply.error.message,
              type: reply.error.type ?? "invalid_request_error",
              code: reply.error.code ?? null,
            },
          },
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
