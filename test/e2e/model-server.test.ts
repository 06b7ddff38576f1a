/** Fast checks of the scripted model server alone (no OpenCode). */
import { afterEach, describe, expect, test } from "bun:test"
import { bySession, sequence, startModelServer, type ModelServer } from "../../testkit/model-server"

let server: ModelServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const tools = [{ type: "function", function: { name: "bash", parameters: {} } }]

async function post(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${server!.url}/chat/completions`, { method: "POST", headers, body: JSON.stringify(body) })
  return res
}

async function sse(res: Response): Promise<any[]> {
  const text = await res.text()
  return text
    .split("\n\n")
    .map((b) => b.replace(/^data: /, "").trim())
    .filter((b) => b.length > 0)
    .map((b) => (b === "[DONE]" ? "[DONE]" : JSON.parse(b)))
}

describe("model server", () => {
  test("streams text, tool calls, finish reason and usage in OpenAI format", async () => {
    server = startModelServer({
      script: sequence([
        {
          text: "hello world, streaming",
          toolCalls: [{ name: "bash", args: { command: "ls" } }],
          usage: { prompt_tokens: 10, completion_tokens: 3, cached_tokens: 4 },
        },
      ]),
    })
    const chunks = await sse(await post({ stream: true, messages: [{ role: "user", content: "hi" }], tools }))
    expect(chunks.at(-1)).toBe("[DONE]")
    const text = chunks.map((c) => c.choices?.[0]?.delta?.content ?? "").join("")
    expect(text).toBe("hello world, streaming")
    const call = chunks.find((c) => c.choices?.[0]?.delta?.tool_calls)?.choices[0].delta.tool_calls[0]
    expect(call.type).toBe("function")
    expect(call.function.name).toBe("bash")
    expect(JSON.parse(call.function.arguments)).toEqual({ command: "ls" })
    expect(chunks.find((c) => c.choices?.[0]?.finish_reason)?.choices[0].finish_reason).toBe("tool_calls")
    expect(chunks.at(-2).usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 3,
      total_tokens: 13,
      prompt_tokens_details: { cached_tokens: 4 },
    })
  })

  test("answers non-stream requests and GET /models", async () => {
    server = startModelServer({ script: sequence([{ text: "plain" }]) })
    const body: any = await (await post({ messages: [{ role: "user", content: "hi" }] })).json()
    expect(body.choices[0].message.content).toBe("plain")
    expect(body.choices[0].finish_reason).toBe("stop")
    const models: any = await (await fetch(`${server.url}/models`)).json()
    expect(models.data[0].id).toBe("scripted-model")
  })

  test("records requests and answers title and compaction requests automatically", async () => {
    server = startModelServer({ script: sequence([{ text: "agent reply" }]) })
    await (
      await post({
        stream: true,
        messages: [
          { role: "system", content: "You are a title generator. You output ONLY a thread title." },
          { role: "user", content: "Generate a title for this conversation:\n" },
        ],
      })
    ).text()
    await (
      await post({
        stream: true,
        messages: [{ role: "user", content: [{ type: "text", text: "Here is the conversation so far:\n<conversation>" }] }],
      })
    ).text()
    const agent = await sse(
      await post({ stream: true, messages: [{ role: "user", content: "do it" }], tools }, { "x-session-id": "ses_1" }),
    )
    expect(agent.map((c) => c.choices?.[0]?.delta?.content ?? "").join("")).toBe("agent reply")
    expect(server.requests.map((r) => r.kind)).toEqual(["title", "compaction", "agent"])
    expect(server.agentRequests()[0]!.sessionID).toBe("ses_1")
    expect(server.agentRequests()[0]!.toolNames).toEqual(["bash"])
  })

  test("bySession routes by first user text; sessionIndex counts per session", async () => {
    const seen: [string, number][] = []
    server = startModelServer({
      script: bySession([
        [
          "child",
          (_r, ctx) => {
            seen.push(["child", ctx.sessionIndex])
            return { text: "c" }
          },
        ],
        [
          "parent",
          (_r, ctx) => {
            seen.push(["parent", ctx.sessionIndex])
            return { text: "p" }
          },
        ],
      ]),
    })
    for (const [text, sid] of [
      ["parent task", "a"],
      ["child job", "b"],
      ["parent task", "a"],
    ] as const)
      await (await post({ stream: true, messages: [{ role: "user", content: text }], tools }, { "x-session-id": sid })).text()
    expect(seen).toEqual([
      ["parent", 0],
      ["child", 0],
      ["parent", 1],
    ])
  })

  test("error replies return the HTTP status and an OpenAI error body", async () => {
    server = startModelServer({
      script: sequence([{ error: { status: 400, message: "too long", code: "context_length_exceeded" } }]),
    })
    const res = await post({ stream: true, messages: [{ role: "user", content: "x" }], tools })
    expect(res.status).toBe(400)
    expect(((await res.json()) as any).error.code).toBe("context_length_exceeded")
  })

  test("a delayed reply ends early when the client aborts", async () => {
    server = startModelServer({ script: sequence([{ text: "late", delayMs: 30_000 }]) })
    const ac = new AbortController()
    const started = Date.now()
    const res = await fetch(`${server.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ stream: true, messages: [{ role: "user", content: "x" }] }),
      signal: ac.signal,
    })
    setTimeout(() => ac.abort(), 100)
    await res.text().catch(() => undefined)
    expect(Date.now() - started).toBeLessThan(5_000)
  })
})
