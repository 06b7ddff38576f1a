import { describe, expect, test } from "bun:test"
import { ev } from "../../testkit/events"
import { FAST, session, THREE } from "../helpers/todo-session"

describe("todo continuation: stagnation, commands, one prompt in flight", () => {
  test("an agent flipping one item between pending and in_progress is not progress: at most the limit of prompts", async () => {
    const h = await session({ ...FAST, todo_stagnation_limit: 3 })
    const flip = (status: string) => THREE.map((t, i) => (i === 1 ? { ...t, status } : t))
    for (let i = 0; i < 200; i++) {
      await h.send(ev.todos("s", flip(i % 2 === 0 ? "pending" : "in_progress")))
      await h.clock.advance(10_000)
      await h.idle()
      await h.settle()
    }
    expect(h.prompts()).toHaveLength(3)
    expect(h.entry().continuation.reason).toBe("stagnation")
  })

  test("a stagnation stop sticks through user messages until /longrun-resume", async () => {
    const h = await session({ ...FAST, todo_stagnation_limit: 1 })
    await h.idle()
    await h.settle()
    await h.clock.advance(10_000)
    await h.idle()
    await h.settle()
    expect(h.entry().continuation.reason).toBe("stagnation")
    await h.say("msg_020", "continue")
    await h.clock.advance(10_000)
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(1)
    const hook = h.internals.hooks.find((x) => x.name === "todo-continuation")!
    expect(await hook.commands!["longrun-resume"]!.run("s", "")).toContain("on again")
    await h.idle()
    await h.settle()
    expect(h.prompts()).toHaveLength(2)
  })

  test("/longrun-stop cancels a running countdown and stops continuation", async () => {
    const h = await session({ todo_countdown_ms: 5_000, todo_cooldown_ms: 0 })
    await h.idle()
    expect(h.entry().continuation.state).toBe("countdown")
    const hook = h.internals.hooks.find((x) => x.name === "todo-continuation")!
    expect(await hook.commands!["longrun-stop"]!.run("s", "")).toContain("off for this session")
    await h.settle(10_000)
    expect(h.prompts()).toHaveLength(0)
    expect(h.entry().continuation).toMatchObject({ state: "stopped", reason: "user" })
  })

  test("a prompt that hangs: one in flight per session, later idles send nothing until it settles", async () => {
    const h = await session(FAST, { "session.promptAsync": () => new Promise(() => {}) })
    for (let i = 0; i < 3; i++) {
      await h.idle()
      await h.settle(1_000)
    }
    expect(h.prompts()).toHaveLength(1)
    expect(h.entry().continuation.state).toBe("sending")
    // The client call times out (15 s) and counts as a failure; the next idle may try again.
    await h.settle(15_000)
    expect(h.entry().continuation.state).toBe("watching")
    expect(h.internals.ctx.calls.timedOut.get("session.promptAsync")).toBe(1)
  })

  test("the agent cannot lift a stop for stagnation or by the user; it can lift its own", async () => {
    const h = await session({ ...FAST, todo_stagnation_limit: 1 })
    const tool = h.hooks.tool!.longrun_stop_continuation!
    const hook = h.internals.hooks.find((x) => x.name === "todo-continuation")!
    const agentResume = async () => String(await tool.execute({ resume: true } as never, { sessionID: "s" } as never))
    await h.idle()
    await h.settle()
    await h.clock.advance(10_000)
    await h.idle()
    await h.settle()
    expect(h.entry().continuation.reason).toBe("stagnation")
    expect(await agentResume()).toContain("only the user can resume it")
    expect(h.entry().continuation.reason).toBe("stagnation")
    await hook.commands!["longrun-stop"]!.run("s", "")
    await tool.execute({} as never, { sessionID: "s" } as never) // the agent's stop does not downgrade the user's
    expect(await agentResume()).toContain("stopped (user)")
    await hook.commands!["longrun-resume"]!.run("s", "")
    await tool.execute({} as never, { sessionID: "s" } as never)
    expect(h.entry().continuation.reason).toBe("agent")
    expect(await agentResume()).toContain("on again")
  })
})
