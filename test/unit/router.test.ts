import { describe, expect, test } from "bun:test"
import type { HookContext, LongrunHook } from "../../src/hooks/types"
import { createLongrun } from "../../src/plugin"
import { ev } from "../../testkit/events"
import { fakeClient } from "../../testkit/fake-client"
import { fakeClock } from "../../testkit/fake-clock"

type Factory = [import("../../src/options").HookName, (ctx: HookContext) => LongrunHook]

async function setup(options: Record<string, unknown> = {}, factories?: Factory[], responders = {}) {
  const fake = fakeClient(responders)
  const clock = fakeClock()
  const { hooks, internals } = await createLongrun(fake.input, options, { clock: clock.clock, factories })
  const send = async (raw: unknown) => {
    await hooks.event!(raw as never)
    await internals.router.flush()
    await clock.settle()
  }
  return { fake, clock, hooks, internals, send }
}

describe("event router", () => {
  test("malformed events are counted and ignored; the plugin keeps working", async () => {
    const { send, internals, hooks } = await setup()
    for (const bad of [null, undefined, "x", 42, {}, { event: null }, { event: { type: 3 } }, { event: [] }]) await send(bad)
    expect(internals.router.ignored).toBe(8)
    await send({ event: { type: "message.updated", properties: "not an object" } })
    await send({ event: { type: "message.updated", properties: { info: { id: 5 } } } })
    await send({ event: { type: "message.part.updated", properties: { part: { sessionID: "s", messageID: null } } } })
    await send({ event: { type: "session.idle", properties: { sessionID: "x".repeat(10_000) } } })
    for (let i = 0; i < 100; i++) await send({ event: { type: `custom.type.${i}`, properties: {} } })
    expect(internals.router.ignored).toBe(8 + 4 + 100)
    // only the known types are counted by name: input cannot grow the map
    expect([...internals.router.seen.keys()]).toEqual([])
    await send({ event: ev.assistant("s", "msg_001", { input: 10 }) })
    expect(internals.ctx.store.peek("s")!.usage!.total).toBe(10)
    const out = await hooks.tool!.longrun_status!.execute({ scope: "all" } as never, { sessionID: "s" } as never)
    expect(String(out)).toContain("1/200 sessions tracked")
  })

  test("a throwing or rejecting hook is logged with its name; other hooks still run", async () => {
    const ran: string[] = []
    const factories: Factory[] = [
      [
        "todo-continuation",
        () => ({
          name: "todo-continuation",
          events: {
            "session.idle": () => {
              throw new Error("sync boom")
            },
          },
        }),
      ],
      [
        "background-agents",
        () => ({
          name: "background-agents",
          events: {
            "session.idle": async () => {
              throw new Error("async boom")
            },
          },
        }),
      ],
      [
        "memory-watchdog",
        () => ({
          name: "memory-watchdog",
          events: {
            "session.idle": () => {
              ran.push("ok")
            },
          },
        }),
      ],
    ]
    const { send, fake } = await setup({}, factories)
    await send({ event: ev.idle("s") })
    expect(ran).toEqual(["ok"])
    const errors = fake
      .logs()
      .filter((l) => l.level === "error")
      .map((l) => l.message)
    expect(errors.some((m) => m.includes("hook todo-continuation failed") && m.includes("sync boom"))).toBe(true)
    expect(errors.some((m) => m.includes("hook background-agents failed") && m.includes("async boom"))).toBe(true)
  })

  test("errors from one hook are rate-limited and the suppressed count is reported", async () => {
    const factories: Factory[] = [
      [
        "todo-continuation",
        () => ({
          name: "todo-continuation",
          events: {
            "session.idle": () => {
              throw new Error("again")
            },
          },
        }),
      ],
    ]
    const { send, fake, clock } = await setup({ error_log_interval_ms: 60_000 }, factories)
    for (let i = 0; i < 50; i++) await send({ event: ev.idle("s") })
    expect(fake.logs().filter((l) => l.level === "error")).toHaveLength(1)
    await clock.advance(61_000)
    await send({ event: ev.idle("s") })
    const errors = fake.logs().filter((l) => l.level === "error")
    expect(errors).toHaveLength(2)
    expect(errors[1]!.message).toContain("49 more error(s) from this hook suppressed")
  })

  test("plugin handlers from several hooks are chained and a throwing one is isolated", async () => {
    const factories: Factory[] = [
      [
        "context-window-monitor",
        () => ({
          name: "context-window-monitor",
          handlers: {
            "tool.execute.after": async () => {
              throw new Error("x")
            },
          },
        }),
      ],
      [
        "large-payload-guard",
        () => ({
          name: "large-payload-guard",
          handlers: {
            "tool.execute.after": async (_i, o) => {
              o.output += " [seen]"
            },
          },
        }),
      ],
    ]
    const { hooks, fake } = await setup({}, factories)
    const output = { title: "", output: "result", metadata: {} }
    await hooks["tool.execute.after"]!({ tool: "bash", sessionID: "s", callID: "c", args: {} }, output)
    expect(output.output).toBe("result [seen]")
    expect(fake.logs().some((l) => l.message.includes("hook context-window-monitor failed in tool.execute.after"))).toBe(true)
  })

  test("disabled hooks are not created; unknown names are reported, not fatal", async () => {
    const made: string[] = []
    const factories: Factory[] = [
      [
        "todo-continuation",
        () => {
          made.push("todo")
          return { name: "todo-continuation" }
        },
      ],
      [
        "background-agents",
        () => {
          made.push("bg")
          return { name: "background-agents" }
        },
      ],
    ]
    const { send, fake } = await setup({ disabled_hooks: ["todo-continuation", "no-such-hook"] }, factories)
    expect(made).toEqual(["bg"])
    await send({ event: ev.idle("s") }) // the options report waits for the first event
    const warn = fake.logs().find((l) => l.level === "warn")!
    expect(warn.message).toContain('unknown hook name(s) in "disabled_hooks": no-such-hook')
    expect(fake.toasts()).toHaveLength(1)
  })

  test("session.deleted reaches hooks with the entry, then removes the session", async () => {
    let seen: string | undefined
    const factories: Factory[] = [
      [
        "background-agents",
        () => ({
          name: "background-agents",
          events: {
            "session.deleted": (_e, entry) => {
              seen = entry?.id
            },
          },
        }),
      ],
    ]
    const { send, internals } = await setup({}, factories)
    await send({ event: ev.idle("s") })
    await send({ event: ev.deleted("s") })
    expect(seen).toBe("s")
    expect(internals.ctx.store.has("s")).toBe(false)
  })

  test("dispose clears every timer, the sessions' too, and the store", async () => {
    const { hooks, internals, send, clock } = await setup({}, [])
    await send({ event: ev.idle("s") })
    const entry = internals.ctx.store.peek("s")!
    let fired = false
    entry.timers.setTimeout(() => (fired = true), 60_000)
    expect(internals.ctx.timers.size).toBeGreaterThan(0)
    await hooks.dispose!()
    expect(internals.ctx.timers.size).toBe(0)
    expect(entry.timers.size).toBe(0)
    expect(internals.ctx.store.size).toBe(0)
    expect(clock.pending()).toBe(0)
    await clock.advance(120_000)
    expect(fired).toBe(false)
    // closed owners refuse new timers: nothing can be scheduled after dispose
    expect(internals.ctx.timers.setTimeout(() => (fired = true), 1)).toBeUndefined()
  })

  test("a hung client: waiting work stays bounded and dispose returns at once", async () => {
    const hang = () => new Promise(() => {})
    const { hooks, internals } = await setup({}, undefined, { "config.providers": hang, "session.todo": hang })
    // Not flushed: the handlers waiting on the hung calls never settle by themselves.
    for (let i = 0; i < 5_000; i++)
      await hooks.event!({ event: ev.assistant("s", `msg_${1000 + i}`, { input: 100 + i }) } as never)
    await hooks.event!({ event: ev.status("s", "idle") } as never)
    expect(internals.router.pendingCount).toBeLessThanOrEqual(8)
    expect(internals.router.maxPending).toBeLessThanOrEqual(8)
    await hooks.dispose!()
    expect(internals.router.pendingCount).toBe(0)
    expect(internals.ctx.calls.inFlight()).toBe(0)
  })

  test("a client call that never answers times out", async () => {
    const { internals, clock } = await setup({}, [], { "session.todo": () => new Promise(() => {}) })
    let outcome = "pending"
    internals.ctx.client.session.todo({ path: { id: "s" } }).then(
      () => (outcome = "answered"),
      (err: Error) => (outcome = err.name),
    )
    await clock.advance(14_999)
    expect(outcome).toBe("pending")
    await clock.advance(1)
    expect(outcome).toBe("CallTimeoutError")
    expect(internals.ctx.calls.timedOut.get("session.todo")).toBe(1)
  })
})
