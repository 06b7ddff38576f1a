import { describe, expect, test } from "bun:test"
import { ev } from "../../testkit/events"
import { fixture } from "../helpers/fixtures"
import { FAST, session, THREE } from "../helpers/todo-session"

describe("todo continuation enforcer", () => {
  test("idle with open todos: a countdown toast, then one prompt to the same agent and model listing what is left", async () => {
    const h = await session()
    await h.idle() // session.status idle and session.idle both arrive: one countdown
    expect(h.fake.toasts()[0]!.message).toBe("Continuing in 1 s: 2 todos left. Type anything, or /longrun-stop, to cancel.")
    expect(h.entry().continuation.state).toBe("countdown")
    expect(h.prompts()).toHaveLength(0)
    await h.settle()
    const [p] = h.prompts()
    expect(h.prompts()).toHaveLength(1)
    expect(p!.path.id).toBe("s")
    expect(p!.body.agent).toBe("build")
    expect(p!.body.model).toEqual({ providerID: "scripted", modelID: "scripted-model" })
    const text: string = p!.body.parts[0].text
    expect(text.startsWith("[longrun] Continue your todo list: 1 of 3 done, 2 left.")).toBe(true)
    expect(text).toContain("- [in_progress] Update the imports\n- [pending] Run the checks")
    expect(text).not.toContain("Rename the module")
  })

  test("status idle and session.idle delivered back to back start one countdown, with one notice", async () => {
    const h = await session({ todo_countdown_ms: 1_100, todo_cooldown_ms: 0 }, { "session.todo": () => ({ data: THREE }) }, null)
    // As OpenCode delivers them: no waiting between the two, while the first awaits the todo read.
    await h.hooks.event!({ event: ev.status("s", "idle") } as never)
    await h.hooks.event!({ event: ev.idle("s") } as never)
    await h.internals.router.flush()
    await h.settle(1_300)
    expect(h.prompts()).toHaveLength(1)
    // One notice that lasts the countdown, not one toast a second.
    expect(h.fake.toasts()).toHaveLength(1)
    expect((h.fake.named("tui.showToast")[0]!.args as any).body.duration).toBe(1_100)
    expect(h.entry().timers.size).toBe(0)
    await h.settle(1_100)
    expect(h.fake.toasts()).toHaveLength(1)
  })

  test("no open todos, or none at all: nothing happens", async () => {
    const h = await session(
      FAST,
      {},
      THREE.map((t) => ({ ...t, status: t.status === "pending" ? "cancelled" : "completed" })),
    )
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(0)
    expect(h.fake.toasts()).toHaveLength(0)
  })

  test("a user message during the countdown cancels it", async () => {
    const h = await session()
    await h.idle()
    await h.say("msg_003", "Wait, look at the logs first.")
    await h.settle()
    expect(h.prompts()).toHaveLength(0)
  })

  test("OpenCode re-sending the turn's user message after idle does not cancel the countdown", async () => {
    const h = await session()
    await h.idle()
    await h.send(ev.user("s", "msg_001", { time: { created: h.clock.now() - 60_000 }, summary: { diffs: [] } }))
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
  })

  test("new assistant activity during the countdown cancels it", async () => {
    const h = await session()
    await h.idle()
    await h.send(ev.status("s", "busy"))
    await h.settle()
    expect(h.prompts()).toHaveLength(0)
  })

  test("an abort cancels the countdown and keeps the session quiet until the user writes again", async () => {
    const h = await session()
    await h.idle()
    const aborted = fixture("session.error").find((e) => e.properties.error.name === "MessageAbortedError")!
    await h.send({ ...aborted, properties: { ...aborted.properties, sessionID: "s" } })
    await h.settle()
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(0)
    await h.clock.advance(10_000)
    await h.say("msg_004", "go on")
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
  })

  test("an abort of the idle session during the countdown (a second idle pair) cancels it", async () => {
    const h = await session()
    await h.idle()
    await h.idle() // what session.abort on an idle session emits in OpenCode 1.18.33
    await h.settle()
    expect(h.prompts()).toHaveLength(0)
  })

  test("skipped: compaction in progress, background tasks running, plan agent, child sessions, denied edits", async () => {
    const compacting = await session()
    compacting.entry().compaction.inFlight = true
    await compacting.idle()
    const background = await session()
    background.entry().background.running = 1
    await background.idle()
    const plan = await session()
    await plan.send(ev.user("s", "msg_005", { agent: "plan", time: { created: plan.clock.now() } }))
    await plan.idle()
    const child = await session()
    await child.send(ev.created("s", "ses_parent"))
    await child.idle()
    const denied = await session()
    await denied.hooks.config!({ agent: { build: { permission: { edit: "deny" } } } } as never)
    await denied.idle()
    for (const h of [compacting, background, plan, child, denied]) {
      await h.settle()
      expect(h.prompts()).toHaveLength(0)
      expect(h.fake.toasts()).toHaveLength(0)
    }
  })

  test("a cooldown separates continuations: the next countdown covers it", async () => {
    const h = await session({ todo_countdown_ms: 20, todo_cooldown_ms: 60_000 })
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
    await h.clock.advance(15_000)
    await h.idle()
    expect(h.fake.toasts().at(-1)!.message).toStartWith("Continuing in 45 s: 2 todos left.")
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
  })

  test("stagnation: the same open todos after N continuations stop the enforcer with a toast", async () => {
    const h = await session({ ...FAST, todo_stagnation_limit: 2 })
    for (let i = 0; i < 5; i++) {
      await h.clock.advance(10_000)
      await h.idle()
      await h.settle()
    }
    expect(h.prompts()).toHaveLength(2)
    const last = h.fake.toasts().at(-1)!
    expect(last.variant).toBe("warning")
    expect(last.message).toContain("no todo was completed after 2 prompts")
    expect(h.entry().continuation).toMatchObject({ state: "stopped", reason: "stagnation", sent: 2 })
  })

  test("progress between continuations resets the stagnation count", async () => {
    const h = await session({ ...FAST, todo_stagnation_limit: 2 })
    const progressed = THREE.map((t, i) => (i === 1 ? { ...t, status: "completed" } : t))
    for (const todos of [THREE, THREE, progressed, progressed, progressed]) {
      await h.send(ev.todos("s", todos))
      await h.clock.advance(10_000)
      await h.idle()
      await h.settle()
    }
    // A, A (1 unchanged), B (reset), B (1), B (2: stop). A cumulative count would stop at the third.
    expect(h.prompts()).toHaveLength(4)
  })

  test("failed prompts back off, then stop after todo_max_failures with an error toast", async () => {
    const h = await session(
      { ...FAST, todo_max_failures: 2 },
      { "session.promptAsync": () => ({ error: { name: "BadRequest", data: { message: "nope" } } }) },
    )
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
    await h.idle() // inside the backoff (2 s after one failure): the countdown covers it
    expect(h.fake.toasts().at(-1)!.message).toStartWith("Continuing in 2 s: 2 todos left.")
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
    await h.settle(2_000)
    expect(h.prompts()).toHaveLength(2)
    expect(h.fake.toasts().at(-1)!.variant).toBe("error")
    await h.clock.advance(600_000)
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(2)
  })

  test("todos never seen: one session.todo read fills the cache, never repeated", async () => {
    const h = await session(FAST, { "session.todo": () => ({ data: THREE }) }, null)
    await h.idle()
    await h.settle()
    await h.clock.advance(10_000)
    await h.idle()
    await h.settle()
    expect(h.fake.named("session.todo")).toHaveLength(1)
    expect(h.prompts()).toHaveLength(2)
  })

  test("longrun_stop_continuation stops it for the session, and resume turns it back on", async () => {
    const h = await session()
    const stop = h.hooks.tool!.longrun_stop_continuation!
    expect(String(await stop.execute({} as never, { sessionID: "s" } as never))).toContain("off for this session")
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(0)
    await stop.execute({ resume: true } as never, { sessionID: "s" } as never)
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
  })

  test("a session deleted during the countdown takes its timers with it", async () => {
    const h = await session()
    await h.idle()
    await h.send(ev.deleted("s"))
    await h.settle()
    expect(h.prompts()).toHaveLength(0)
  })

  test("its own prompt's user message does not count as user input", async () => {
    const h = await session({ ...FAST, todo_stagnation_limit: 2 })
    await h.idle()
    await h.settle()
    // the prompt we just sent, as it comes back
    await h.send(ev.user("s", "msg_010", { time: { created: h.clock.now() } }))
    await h.send(ev.textPart("s", "msg_010", "prt_010", h.prompts()[0]!.body.parts[0].text))
    await h.clock.advance(10_000)
    await h.idle()
    await h.settle()
    await h.send(ev.user("s", "msg_011", { time: { created: h.clock.now() } }))
    await h.send(ev.textPart("s", "msg_011", "prt_011", h.prompts()[1]!.body.parts[0].text))
    await h.clock.advance(10_000)
    await h.idle()
    await h.settle()
    // two prompts, todos unchanged: stagnation reached, because our own messages reset nothing
    expect(h.prompts()).toHaveLength(2)
    expect(h.fake.toasts().at(-1)!.message).toContain("no todo was completed after 2 prompts")
  })
})
