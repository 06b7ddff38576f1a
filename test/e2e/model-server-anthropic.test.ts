/** Fast checks of the scripted server's Anthropic route and prompt caches (no OpenCode). */
import { afterEach, describe, expect, test } from "bun:test"
import { sequence, startModelServer, type ModelServer } from "../../testkit/model-server"

let server: ModelServer | undefined
afterEach(async () => {
  await server?.close()
  server = undefined
})

const EPHEMERAL = { type: "ephemeral" }
const SYSTEM = "You are a coding agent. ".repeat(400) // 9600 chars: 2400 tokens
const tools = [{ name: "bash", description: "run", input_schema: { type: "object", properties: {} } }]

function messagesBody(messages: unknown[], extra: Record<string, unknown> = {}) {
  return {
    model: "claude-e2e",
    max_tokens: 1000,
    stream: true,
    tools,
    system: [{ type: "text", text: SYSTEM, cache_control: EPHEMERAL }],
    messages,
    ...extra,
  }
}

async function post(body: unknown, path = "/messages") {
  return fetch(`${server!.url}${path}`, {
    method: "POST",
    headers: { "x-api-key": "secret", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  })
}

async function events(res: Response): Promise<{ event: string; data: any }[]> {
  const text = await res.text()
  return text
    .split("\n\n")
    .filter((b) => b.trim().length > 0)
    .map((b) => {
      const [ev, data] = b.split("\n")
      return { event: ev!.replace(/^event: /, ""), data: JSON.parse(data!.replace(/^data: /, "")) }
    })
}

describe("Anthropic route", () => {
  test("streams thinking, text and tool_use as Anthropic does, with usage at start and end", async () => {
    server = startModelServer({
      script: sequence([
        {
          reasoning: "I should list the files first.",
          text: "Listing the files now.",
          toolCalls: [{ name: "bash", args: { command: "ls -la" } }],
          usage: { prompt_tokens: 1, completion_tokens: 42 },
        },
      ]),
    })
    const ev = await events(await post(messagesBody([{ role: "user", content: "list files" }])))
    const types = [...new Set(ev.map((e) => e.event))]
    expect(types).toEqual([
      "message_start",
      "ping",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ])
    for (const e of ev) expect(e.data.type).toBe(e.event)
    expect(ev[0]!.data.message.usage).toEqual({
      input_tokens: 3, // "list files", after the last breakpoint
      cache_creation_input_tokens: 2421, // the tool (21) and the system prompt (2400)
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 2421, ephemeral_1h_input_tokens: 0 },
      output_tokens: 1,
    })
    const starts = ev.filter((e) => e.event === "content_block_start").map((e) => e.data.content_block.type)
    expect(starts).toEqual(["thinking", "text", "tool_use"])
    const deltas = (i: number) =>
      ev.filter((e) => e.event === "content_block_delta" && e.data.index === i).map((e) => e.data.delta)
    expect(
      deltas(0)
        .map((d) => d.thinking ?? "")
        .join(""),
    ).toBe("I should list the files first.")
    expect(deltas(0).at(-1).type).toBe("signature_delta")
    expect(
      deltas(1)
        .map((d) => d.text)
        .join(""),
    ).toBe("Listing the files now.")
    expect(
      JSON.parse(
        deltas(2)
          .map((d) => d.partial_json)
          .join(""),
      ),
    ).toEqual({ command: "ls -la" })
    const end = ev.find((e) => e.event === "message_delta")!.data
    expect(end.delta.stop_reason).toBe("tool_use")
    expect(end.usage.output_tokens).toBe(42)
    expect(server.requests[0]!.headers["x-api-key"]).toBe("<redacted>")
  })

  test("answers without streaming too", async () => {
    server = startModelServer({ script: sequence([{ text: "plain" }]) })
    const body: any = await (await post({ ...messagesBody([{ role: "user", content: "hi" }]), stream: false })).json()
    expect(body).toMatchObject({ type: "message", role: "assistant", stop_reason: "end_turn" })
    expect(body.content).toEqual([{ type: "text", text: "plain" }])
    expect(body.usage).toMatchObject({ cache_creation_input_tokens: 2421, input_tokens: 1, output_tokens: 2 })
  })

  test("the cache reads what the last request wrote; a 12-minute pause on the clock busts it", async () => {
    server = startModelServer({ script: sequence([{ text: "a" }, { text: "b" }, { text: "c" }]) })
    const turn1 = [{ role: "user", content: [{ type: "text", text: "first", cache_control: EPHEMERAL }] }]
    await (await post(messagesBody(turn1))).text()
    const turn2 = [
      { role: "user", content: [{ type: "text", text: "first" }] },
      { role: "assistant", content: [{ type: "text", text: "a" }] },
      { role: "user", content: [{ type: "text", text: "second", cache_control: EPHEMERAL }] },
    ]
    await (await post(messagesBody(turn2))).text()
    server.advanceClock(12 * 60_000)
    await (await post(messagesBody(turn2))).text()
    const [r1, r2, r3] = server.requests.map((r) => r.cache!)
    expect(r1).toMatchObject({ read: 0, write: 2423, input: 0, breakpoints: ["system[0]", "messages[0].content[0]"], lost: 0 })
    expect(r2).toMatchObject({ read: 2423, write: 3, input: 0, readUpTo: "messages[0].content[0]", lost: 0 })
    expect(r3).toMatchObject({ read: 0, write: 2426, lost: 2426, expired: 3 })
    expect(r3!.at - r2!.at).toBeGreaterThanOrEqual(12 * 60_000)
    expect(server.cacheTotals()).toEqual({ requests: 3, read: 2423, write: 4852, input: 0, busts: 1, lost: 2426 })
  })

  test("five breakpoints are refused as Anthropic refuses them, before the script runs", async () => {
    let called = 0
    server = startModelServer({
      script: () => {
        called++
        return { text: "x" }
      },
    })
    const marked = [1, 2, 3, 4].map((i) => ({ type: "text", text: `part ${i}`, cache_control: EPHEMERAL }))
    const res = await post(messagesBody([{ role: "user", content: marked }]))
    expect(res.status).toBe(400)
    expect(await res.json()).toEqual({
      type: "error",
      error: { type: "invalid_request_error", message: "A maximum of 4 blocks with cache_control may be provided. Found 5." },
    })
    expect(called).toBe(0)
    expect(server.requests[0]!.cache!.error).toContain("maximum of 4")
  })

  test("scripted errors come in Anthropic's error shape", async () => {
    server = startModelServer({ script: sequence([{ error: { status: 529, message: "Overloaded" } }]) })
    const res = await post(messagesBody([{ role: "user", content: "x" }]))
    expect(res.status).toBe(529)
    expect(await res.json()).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } })
  })

  test("records the texts, tool calls and results scripts read; title and compaction requests are told apart", async () => {
    server = startModelServer({ script: sequence([{ text: "ok" }]) })
    const loop = [
      { role: "user", content: [{ type: "text", text: "fix the bug" }] },
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "bash", input: { command: "ls" } }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "a.ts" }] },
    ]
    await (await post(messagesBody(loop), "/messages")).text()
    const title = {
      model: "m",
      max_tokens: 50,
      stream: true,
      system: "You are a title generator.",
      messages: [{ role: "user", content: "x" }],
    }
    await (await post(title)).text()
    const compact = {
      model: "m",
      max_tokens: 50,
      stream: true,
      messages: [{ role: "user", content: "Here is the conversation so far: ..." }],
    }
    await (await post(compact)).text()
    const [agent, t, c] = server.requests
    expect(agent).toMatchObject({ api: "anthropic", kind: "agent", firstUserText: "fix the bug", lastUserText: "fix the bug" })
    expect(agent!.toolNames).toEqual(["bash"])
    expect(agent!.toolResults).toEqual([{ toolCallId: "toolu_1", content: "a.ts" }])
    expect(agent!.priorToolCalls).toEqual([{ id: "toolu_1", name: "bash", args: '{"command":"ls"}' }])
    expect([t!.kind, c!.kind]).toEqual(["title", "compaction"])
  })
})

describe("OpenAI route with openaiCache", () => {
  test("reports cached_tokens from the prefix cache, in 128-token steps, keeping the scripted completion tokens", async () => {
    server = startModelServer({
      openaiCache: true,
      script: sequence([{ text: "a" }, { text: "b", usage: { prompt_tokens: 9, completion_tokens: 7 } }]),
    })
    const system = { role: "system", content: SYSTEM }
    const usageOf = async (messages: unknown[]) => {
      const text = await (await post({ stream: true, messages }, "/chat/completions")).text()
      const chunks = text.split("\n\n").filter((b) => b.startsWith("data: {"))
      return JSON.parse(chunks.at(-1)!.slice(6)).usage
    }
    expect((await usageOf([system, { role: "user", content: "one" }])).prompt_tokens_details).toEqual({ cached_tokens: 0 })
    const second = await usageOf([
      system,
      { role: "user", content: "one" },
      { role: "assistant", content: "a" },
      { role: "user", content: "two" },
    ])
    expect(second).toMatchObject({
      prompt_tokens: 2403,
      completion_tokens: 7,
      prompt_tokens_details: { cached_tokens: 1024 + 10 * 128 },
    })
    expect(server.cacheTotals()).toMatchObject({ requests: 2, read: 2304, write: 0, busts: 0 })
  })

  test("without the option, usage stays as scripted", async () => {
    server = startModelServer({
      script: sequence([{ text: "a", usage: { prompt_tokens: 10, completion_tokens: 3, cached_tokens: 4 } }]),
    })
    await (await post({ stream: true, messages: [{ role: "user", content: "x" }] }, "/chat/completions")).text()
    expect(server.requests[0]!.cache).toBeUndefined()
  })
})
