import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { bySession, sequence, type Reply } from "../../testkit/model-server"

const MARKER = "[longrun] Continue your todo list"
const todos = (statuses: string[]): Reply => ({
  toolCalls: [
    {
      name: "todowrite",
      args: {
        todos: ["Write the parser", "Write the printer", "Write the tests"].map((content, i) => ({
          content,
          status: statuses[i],
          priority: "high",
        })),
      },
    },
  ],
})
const COUNTDOWN = 1_500
/** Continuation prompts the plugin sent to a session: its user-message text parts that carry the marker. */
const continuations = (oc: OpencodeHandle, sid: string) =>
  new Set(
    oc
      .eventsFor(sid)
      .filter(
        (e) =>
          e.type === "message.part.updated" &&
          e.properties.part?.type === "text" &&
          String(e.properties.part.text).startsWith(MARKER),
      )
      .map((e) => e.properties.part.id),
  ).size

describe("todo continuation in real OpenCode", () => {
  let oc: OpencodeHandle

  beforeAll(async () => {
    oc = await startOpencode({
      pluginOptions: {
        todo_countdown_ms: COUNTDOWN,
        todo_cooldown_ms: 0,
        todo_stagnation_limit: 2,
        disabled_hooks: ["preemptive-compaction"],
      },
      script: bySession([
        // 1: writes three todos, completes one, stops; after the prompt it finishes the rest.
        [
          "Build the formatter",
          sequence([
            todos(["completed", "in_progress", "pending"]),
            { text: "Parser done, stopping here." },
            todos(["completed", "completed", "completed"]),
            { text: "All three are done." },
          ]),
        ],
        // 2: stops with open todos; the user aborts during the countdown.
        ["Abort me", sequence([todos(["in_progress", "pending", "pending"]), { text: "Taking a break." }])],
        // 3: never makes progress.
        ["Stall please", sequence([todos(["in_progress", "pending", "pending"])], { text: "Still thinking about it." })],
      ]),
    })
  }, 240_000)

  afterAll(async () => {
    await oc?.stop()
  })

  test("the continuation prompt reaches the model, the rest gets done, then the enforcer goes quiet", async () => {
    const sid = await oc.runPrompt("Build the formatter.")
    const promptAt = oc.mark()
    await oc.waitForEvent(
      (e) => e.type === "tui.toast.show" && /^Continuing in \d s: 2 todos left\./.test(e.properties.message),
      10_000,
      promptAt - 50,
    )
    await oc.model.waitForRequest(
      (r) => r.lastUserText.startsWith(MARKER) && r.firstUserText.includes("Build the formatter"),
      15_000,
    )
    await oc.waitForIdle(sid, 30_000, promptAt)
    const req = oc.model.requests.find(
      (r) => r.lastUserText.startsWith(MARKER) && r.firstUserText.includes("Build the formatter"),
    )
    expect(req!.lastUserText).toContain("1 of 3 done, 2 left")
    expect(req!.lastUserText).toContain("- [in_progress] Write the printer\n- [pending] Write the tests")
    // Everything is done now: wait past the countdown and check that no prompt followed.
    await Bun.sleep(COUNTDOWN + 1_000)
    expect(continuations(oc, sid)).toBe(1)
    const last = oc
      .eventsFor(sid)
      .filter((e) => e.type === "todo.updated")
      .at(-1)!
    expect(last.properties.todos.every((t: { status: string }) => t.status === "completed")).toBe(true)
  }, 60_000)

  test("aborting during the countdown: no continuation is sent", async () => {
    const sid = await oc.runPrompt("Abort me.")
    await Bun.sleep(COUNTDOWN / 3)
    await oc.client.session.abort({ path: { id: sid } })
    await Bun.sleep(COUNTDOWN + 1_500)
    expect(oc.events.some((e) => e.type === "tui.toast.show" && String(e.properties.message).includes("Continuing in"))).toBe(
      true,
    )
    expect(continuations(oc, sid)).toBe(0)
    expect(oc.model.requests.some((r) => r.lastUserText.startsWith(MARKER) && r.firstUserText.includes("Abort me"))).toBe(false)
  }, 60_000)

  test("todos that never change: the enforcer stops at the stagnation cap and says so", async () => {
    const sid = await oc.runPrompt("Stall please.")
    const stopped = await oc.waitForEvent(
      (e) => e.type === "tui.toast.show" && String(e.properties.message).startsWith("Stopped continuing"),
      (COUNTDOWN + 2_000) * 4,
    )
    expect(stopped.properties.variant).toBe("warning")
    await Bun.sleep(COUNTDOWN + 1_000)
    expect(continuations(oc, sid)).toBe(2)
  }, 60_000)
})
