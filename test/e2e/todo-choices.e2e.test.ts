import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startOpencode, type E2EEvent, type OpencodeHandle } from "../../testkit/opencode"
import { bySession, sequence, type Reply } from "../../testkit/model-server"

const MARKER = "[longrun] Continue your todo list"
const DONE = "All background tasks of this session are done"
const COUNTDOWN = 1_500
const TOOLS = { question: false, webfetch: false }
const todos = (statuses: string[]): Reply => ({
  toolCalls: [
    {
      name: "todowrite",
      args: {
        todos: ["Write the parser", "Write the printer"].map((content, i) => ({
          content,
          status: statuses[i],
          priority: "high",
        })),
      },
    },
  ],
})
const overflow: Reply = {
  error: { status: 400, message: "This model's maximum context length is 20000 tokens.", code: "context_length_exceeded" },
}

const refused: Reply = { error: { status: 400, message: "Unsupported parameter: foo", code: "unsupported_parameter" } }

/** The user message (info) of the first prompt in the session whose text starts with `prefix`. */
function userInfoOf(oc: OpencodeHandle, sid: string, prefix: string): any {
  const events = oc.eventsFor(sid)
  const part = events.find(
    (e) =>
      e.type === "message.part.updated" &&
      e.properties.part?.type === "text" &&
      String(e.properties.part.text).startsWith(prefix),
  )
  const id = part?.properties.part.messageID
  return events.find((e: E2EEvent) => e.type === "message.updated" && e.properties.info?.id === id)?.properties.info
}

describe("todo continuation and notices in real OpenCode: the person's choices, errors no prompt can fix", () => {
  let oc: OpencodeHandle
  const prompt = async (text: string, extra: Record<string, unknown> = {}, sessionID?: string) => {
    const sid = sessionID ?? (await oc.client.session.create({ body: {} })).data!.id
    const since = oc.mark()
    const sent = await oc.client.session.promptAsync({
      path: { id: sid },
      body: { parts: [{ type: "text", text }], ...extra } as never,
    })
    expect(sent.error).toBeUndefined()
    await oc.waitForIdle(sid, 30_000, since)
    return sid
  }

  beforeAll(async () => {
    oc = await startOpencode({
      pluginOptions: { todo_countdown_ms: COUNTDOWN, todo_cooldown_ms: 0, background_concurrency: 1 },
      config: {
        compaction: { auto: false },
        provider: {
          scripted: {
            models: { "scripted-model": { variants: { high: { reasoningEffort: "high" }, max: { reasoningEffort: "xhigh" } } } },
          },
        },
      },
      script: bySession([
        [
          "Variant please",
          sequence([
            todos(["completed", "pending"]),
            { text: "Parser done." },
            todos(["completed", "completed"]),
            { text: "Done." },
          ]),
        ],
        [
          "Overflow please",
          sequence([
            todos(["in_progress", "pending"]),
            overflow,
            { text: "Resumed, stopping here." },
            todos(["completed", "completed"]),
            { text: "Done." },
          ]),
        ],
        [
          "Refused once",
          sequence([todos(["in_progress", "pending"]), refused, todos(["completed", "completed"]), { text: "Done." }]),
        ],
        ["Child gamma", sequence([{ text: "The gamma result." }])],
        [
          "Delegate with a variant",
          sequence([
            { toolCalls: [{ name: "background_task", args: { description: "gamma", prompt: "Child gamma: say it." } }] },
            { text: "Waiting." },
            { text: "Got it." },
          ]),
        ],
      ]),
    })
  }, 240_000)

  afterAll(async () => {
    await oc?.stop()
  })

  test("the continuation prompt keeps the person's agent, model, variant and tool switches", async () => {
    const sid = await prompt("Variant please.", { agent: "build", variant: "high", tools: TOOLS })
    const req = await oc.model.waitForRequest((r) => r.sessionID === sid && r.lastUserText.startsWith(MARKER), COUNTDOWN + 10_000)
    expect(req.body.reasoning_effort).toBe("high")
    await oc.waitForIdle(sid, 30_000)
    const info = userInfoOf(oc, sid, MARKER)
    expect(info.agent).toBe("build")
    expect(info.model).toEqual({ providerID: "scripted", modelID: "scripted-model", variant: "high" })
    expect(info.tools).toEqual(TOOLS)
  }, 60_000)

  test("a background notice keeps them too", async () => {
    const sid = await prompt("Delegate with a variant.", { variant: "max", tools: TOOLS })
    const req = await oc.model.waitForRequest((r) => r.sessionID === sid && r.lastUserText.includes(DONE), 30_000)
    expect(req.body.reasoning_effort).toBe("xhigh")
    const info = userInfoOf(oc, sid, "[longrun] Background task")
    expect(info.model.variant).toBe("max")
    expect(info.tools).toEqual(TOOLS)
  }, 60_000)

  test("a context overflow with compaction.auto off stops continuation until the person writes", async () => {
    const sid = await prompt("Overflow please.")
    const errors = oc.eventsFor(sid).filter((e) => e.type === "session.error")
    expect(errors.map((e) => e.properties.error.name)).toContain("ContextOverflowError")
    await Bun.sleep(COUNTDOWN + 2_500) // OpenCode sends a second idle pair after the error: still nothing
    expect(oc.model.requests.some((r) => r.sessionID === sid && r.lastUserText.startsWith(MARKER))).toBe(false)
    expect(
      oc.events.some(
        (e) => e.type === "tui.toast.show" && String(e.properties.message).startsWith("Paused: the context is full"),
      ),
    ).toBe(true)
    await prompt("continue", {}, sid)
    const req = await oc.model.waitForRequest((r) => r.sessionID === sid && r.lastUserText.startsWith(MARKER), COUNTDOWN + 10_000)
    expect(req.lastUserText).toContain("- [pending] Write the printer")
  }, 60_000)

  test("a turn the provider refused is not read as an abort: continuation goes on", async () => {
    const sid = await prompt("Refused once.")
    expect(oc.eventsFor(sid).some((e) => e.type === "session.error" && e.properties.error.name === "APIError")).toBe(true)
    // OpenCode closes the failed reply with a second idle pair, which an abort of an idle session also sends
    const req = await oc.model.waitForRequest((r) => r.sessionID === sid && r.lastUserText.startsWith(MARKER), COUNTDOWN + 10_000)
    expect(req.lastUserText).toContain("- [in_progress] Write the parser")
  }, 60_000)
})
