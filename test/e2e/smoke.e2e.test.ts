/**
 * Smoke test of the e2e harness against the real OpenCode binary, with a throwaway
 * plugin (fixtures/smoke-plugin.ts) instead of ours.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { join } from "node:path"
import { assistantMessages, startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence } from "../../testkit/model-server"
import { SMOKE_MARKER } from "./fixtures/smoke-plugin"

const USAGE_1 = { prompt_tokens: 1111, completion_tokens: 22 }
const USAGE_2 = { prompt_tokens: 1234, completion_tokens: 33 }
const USAGE_3 = { prompt_tokens: 1300, completion_tokens: 44 }
const TODOS = [
  { content: "write the smoke test", status: "in_progress", priority: "high" },
  { content: "run it", status: "pending", priority: "medium" },
]

let oc: OpencodeHandle
let sessionID: string
let promptMs = 0

beforeAll(async () => {
  oc = await startOpencode({
    plugin: join(import.meta.dir, "fixtures/smoke-plugin.ts"),
    pluginOptions: { greeting: "hello from the smoke test" },
    script: sequence([
      { toolCalls: [{ name: "smoke_echo", args: { text: "ping" } }], usage: USAGE_1 },
      { text: "Now the todos.", toolCalls: [{ name: "todowrite", args: { todos: TODOS } }], usage: USAGE_2 },
      { text: "Smoke test finished.", usage: USAGE_3 },
    ]),
  })
  const t = Date.now()
  sessionID = await oc.runPrompt("smoke: please call smoke_echo", { timeoutMs: 60_000 })
  promptMs = Date.now() - t
  console.log(
    `[smoke] opencode ready in ${oc.timings.spawnToReadyMs} ms (listening after ${oc.timings.spawnToListenMs} ms, ` +
      `install cache ${oc.timings.usedCache ? "hit" : "miss"}); 3-step session idle after ${promptMs} ms`,
  )
}, 300_000)

afterAll(async () => {
  await oc?.stop()
}, 30_000)

describe("e2e harness smoke", () => {
  test("the plugin loaded with its options and logged through client.app.log", () => {
    // OpenCode logs logfmt lines: message="smoke plugin loaded" options.greeting="..."
    const lines = oc.logs().split("\n")
    const loaded = lines.find((l) => l.includes('message="smoke plugin loaded"'))
    expect(loaded).toContain('options.greeting="hello from the smoke test"')
    expect(lines.some((l) => l.includes("smoke_echo called with") && l.includes("ping"))).toBe(true)
  })

  test("the model is offered the plugin's tool and gets its output back as a tool result", () => {
    const reqs = oc.model.agentRequests()
    expect(reqs).toHaveLength(3)
    expect(reqs[0]!.toolNames).toContain("smoke_echo")
    expect(reqs[0]!.toolNames).toContain("todowrite")
    expect(reqs[0]!.lastUserText).toBe("smoke: please call smoke_echo")
    expect(reqs[0]!.sessionID).toBe(sessionID)

    const second = reqs[1]!
    const call = second.priorToolCalls.find((c) => c.name === "smoke_echo")
    expect(JSON.parse(call?.args ?? "null")).toEqual({ text: "ping" })
    const result = second.toolResults.find((r) => r.toolCallId === call!.id)
    expect(result?.content).toContain(SMOKE_MARKER)
  })

  test("title generation was answered automatically and not counted as an agent turn", () => {
    const titles = oc.model.requests.filter((r) => r.kind === "title")
    expect(titles.length).toBeGreaterThanOrEqual(1)
    expect(titles[0]!.toolNames).toEqual([])
    expect(titles[0]!.sessionID).toBe(sessionID)
  })

  test("a todowrite call produces todo.updated", () => {
    const ev = oc.events.find((e) => e.type === "todo.updated" && e.properties.sessionID === sessionID)
    expect(ev?.properties.todos).toEqual(TODOS)
  })

  test("assistant message.updated events carry the scripted usage as tokens", () => {
    const msgs = assistantMessages(oc.events, sessionID)
    expect(msgs).toHaveLength(3)
    const tokens = msgs.map((m) => ({ input: m.tokens.input, output: m.tokens.output }))
    expect(tokens).toEqual([
      { input: USAGE_1.prompt_tokens, output: USAGE_1.completion_tokens },
      { input: USAGE_2.prompt_tokens, output: USAGE_2.completion_tokens },
      { input: USAGE_3.prompt_tokens, output: USAGE_3.completion_tokens },
    ])
    expect(msgs.map((m) => m.finish)).toEqual(["tool-calls", "tool-calls", "stop"])
    for (const m of msgs) {
      expect(m.providerID).toBe("scripted")
      expect(m.modelID).toBe("scripted-model")
      expect(typeof m.time.completed).toBe("number")
    }
  })

  test("the session went idle, after a busy status", () => {
    const evs = oc.eventsFor(sessionID)
    const busy = evs.findIndex((e) => e.type === "session.status" && e.properties.status.type === "busy")
    const idle = evs.findIndex((e) => e.type === "session.idle")
    expect(busy).toBeGreaterThanOrEqual(0)
    expect(idle).toBeGreaterThan(busy)
  })

  test("waitForEvent times out with a clear error that includes the OpenCode log", async () => {
    const err = await oc.waitForEvent((e) => e.type === "never.happens", 200, oc.mark()).catch((e: Error) => e)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toContain("waitForEvent timed out after 200 ms")
    expect((err as Error).message).toContain("opencode log tail")
  })
})
