import { describe, expect, test } from "bun:test"
import { isGoAhead } from "../../src/hooks/todo-continuation/input"
import { ev } from "../../testkit/events"
import { fixture } from "../helpers/fixtures"
import { FAST, session, THREE } from "../helpers/todo-session"

const NOTICE =
  "[longrun] Background task bg_1 (count files) completed after 3 s.\n1 background task(s) of this session still running."
const HIGH = {
  agent: "build",
  model: { providerID: "scripted", modelID: "scripted-model", variant: "high" },
  tools: { question: false },
}

describe("todo continuation: what counts as the person writing", () => {
  test("an unrelated session.error during the countdown (a failed prompt_async, Agent not found) leaves it running", async () => {
    const h = await session()
    await h.idle()
    await h.send(ev.error("s", "UnknownError", { message: 'Agent not found: "nope". Available agents: build, plan' }))
    await h.send(ev.error("s", "UnknownError", { message: "UnknownError: UnknownError\n    at SessionPrompt.createUserMessage" }))
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
  })

  test("a failed turn is not an abort: OpenCode's second idle pair after the error leaves the countdown running", async () => {
    const h = await session()
    // As OpenCode 1.18.33 ends a turn the provider refused (HTTP 400): error, idle pair, the failed reply, idle pair.
    await h.send(ev.status("s", "busy"))
    await h.send(ev.error("s", "APIError", { message: "Unsupported parameter: foo", statusCode: 400, isRetryable: false }))
    await h.idle()
    const error = { name: "APIError", data: { message: "Unsupported parameter: foo", statusCode: 400 } }
    await h.send(ev.assistant("s", "msg_003", {}, { time: { created: 1, completed: 2 }, error, finish: "error" }))
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
  })

  test("a synthetic user message (another plugin's noReply notice, or this plugin's own) does not cancel the countdown", async () => {
    const h = await session({ todo_countdown_ms: 5_000, todo_cooldown_ms: 0 })
    await h.idle()
    await h.send(ev.user("s", "msg_003", { time: { created: h.clock.now() } }))
    await h.send(ev.textPart("s", "msg_003", "prt_003", "[other-plugin] 2 files changed", { synthetic: true }))
    await h.clock.advance(1_000)
    await h.send(ev.user("s", "msg_004", { time: { created: h.clock.now() } }))
    await h.send(ev.textPart("s", "msg_004", "prt_004", NOTICE))
    await h.settle(5_000)
    expect(h.prompts()).toHaveLength(1)
  })

  test("OpenCode's compaction messages and the plugin's own notices reset nothing: the stagnation limit holds", async () => {
    const h = await session({ ...FAST, todo_stagnation_limit: 2 })
    for (let i = 0; i < 5; i++) {
      await h.clock.advance(10_000)
      const at = { time: { created: h.clock.now() } }
      const id = (k: number) => `msg_${100 + i * 3 + k}`
      await h.send(ev.user("s", id(0), at))
      await h.send(ev.otherPart("s", id(0), `prt_${id(0)}`, "compaction", { auto: true, overflow: false }))
      await h.send(ev.user("s", id(1), at))
      await h.send(ev.textPart("s", id(1), `prt_${id(1)}`, "Continue if you have next steps.", { synthetic: true }))
      await h.send(ev.user("s", id(2), at))
      await h.send(ev.textPart("s", id(2), `prt_${id(2)}`, NOTICE))
      await h.idle()
      await h.settle()
    }
    expect(h.prompts()).toHaveLength(2)
    expect(h.entry().continuation.reason).toBe("stagnation")
  })

  test("errors a new prompt cannot fix hold continuation until the person writes", async () => {
    const overflow = fixture("session.error").find((e) => e.properties.error.name === "ContextOverflowError")!
    const cases: Array<[string, unknown]> = [
      ["overflow, compaction.auto off", { ...overflow, properties: { ...overflow.properties, sessionID: "s" } }],
      ["auth", ev.error("s", "APIError", { message: "Invalid API key", statusCode: 401, isRetryable: false })],
      [
        "model not found",
        ev.error("s", "UnknownError", { message: "Model not found: scripted/nope. Did you mean: scripted-model?" }),
      ],
    ]
    for (const [name, error] of cases) {
      const h = await session()
      await h.hooks.config!({ compaction: { auto: false } } as never)
      await h.send(ev.status("s", "busy"))
      await h.send(error)
      await h.idle()
      await h.settle()
      await h.clock.advance(60_000)
      await h.idle()
      await h.settle()
      expect([name, h.prompts().length]).toEqual([name, 0])
      expect(h.entry().continuation.state).toBe("stopped")
      expect(h.fake.toasts().at(-1)!.message).toStartWith("Paused: ")
      await h.say("msg_009", "continue")
      await h.idle()
      await h.settle()
      expect([name, h.prompts().length]).toEqual([name, 1])
    }
  })

  test("with compaction.auto on, a context overflow is OpenCode's to compact: continuation goes on", async () => {
    const h = await session()
    const overflow = fixture("session.error").find((e) => e.properties.error.name === "ContextOverflowError")!
    await h.send({ ...overflow, properties: { ...overflow.properties, sessionID: "s" } })
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
  })

  test("the continuation prompt carries the person's agent, model, variant and tool switches", async () => {
    const h = await session()
    await h.say("msg_003", "go on", HIGH)
    // another plugin's notice with other choices changes nothing
    await h.send(ev.user("s", "msg_004", { agent: "other", model: { providerID: "x", modelID: "y" } }))
    await h.send(ev.textPart("s", "msg_004", "prt_004", "[other-plugin] note", { synthetic: true }))
    await h.idle()
    await h.settle()
    const [p] = h.prompts()
    expect(p!.body).toMatchObject({
      agent: "build",
      model: { providerID: "scripted", modelID: "scripted-model" },
      variant: "high",
      tools: { question: false },
    })
  })

  test("a person's message that is not a go-ahead holds continuation until the todo list changes", async () => {
    const h = await session()
    await h.say("msg_003", "Stop. Inspect the failing test first.")
    await h.send(ev.status("s", "busy"))
    await h.idle()
    await h.settle(10_000)
    expect(h.prompts()).toHaveLength(0)
    expect(h.entry().continuation.reason).toBe("waiting for your go-ahead")
    await h.send(ev.todos("s", THREE)) // the same list again: not a change
    await h.idle()
    await h.settle(10_000)
    expect(h.prompts()).toHaveLength(0)
    await h.send(
      ev.todos(
        "s",
        THREE.map((t, i) => (i === 2 ? { ...t, status: "in_progress" } : t)),
      ),
    )
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
  })

  test("a held session goes on when the person says go on", async () => {
    const h = await session()
    await h.say("msg_003", "What does the parser do with tabs?")
    await h.idle()
    await h.settle(10_000)
    expect(h.prompts()).toHaveLength(0)
    await h.say("msg_005", "OK, continue please.")
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
  })

  test("what counts as a go-ahead", () => {
    for (const yes of [
      "continue",
      "Go on.",
      "ok",
      "Yes!",
      "keep going",
      "OK, continue please",
      "carry on",
      "proceed",
      "resume",
      "go ahead",
    ])
      expect([yes, isGoAhead(yes)]).toEqual([yes, true])
    for (const no of [
      "Stop. Inspect the failing test first.",
      "don't continue",
      "no",
      "thanks",
      "continue, but first fix the imports",
      "What does the parser do with tabs?",
      "",
    ])
      expect([no, isGoAhead(no)]).toEqual([no, false])
  })
})
