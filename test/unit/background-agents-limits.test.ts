import { describe, expect, test } from "bun:test"
import { bgOnly, setup } from "../helpers/background-session"
import { pluginHarness } from "../../testkit/plugin-harness"
import { ev } from "../../testkit/events"

describe("background agents: bounded queue, cancelling together, notices that hang", () => {
  test("deleting a parent with queued tasks starts none of them", async () => {
    const h = await setup()
    await h.launch("running")
    const queued = [await h.launch("q1"), await h.launch("q2"), await h.launch("q3")]
    await h.send(ev.deleted("ses_parent"))
    await h.clock.advance(5)
    expect(h.created()).toBe(1)
    for (const id of queued) expect(await h.run("background_output", { task_id: id })).toContain("cancelled")
  })

  test("background_cancel all cancels the queue without starting it", async () => {
    const h = await setup()
    await h.launch("running")
    await h.launch("q1")
    await h.launch("q2")
    expect(await h.run("background_cancel", { task_id: "all" })).toContain("Cancelled")
    await h.clock.advance(5)
    expect(h.created()).toBe(1)
  })

  test("the queue is bounded: a launch beyond it is refused with a clear message", async () => {
    const h = await setup()
    for (let i = 0; i < 101; i++) await h.run("background_task", { description: `t${i}`, prompt: "p" })
    expect(await h.run("background_task", { description: "one too many", prompt: "p" })).toContain(
      "100 background tasks are already waiting for a slot",
    )
    expect(h.created()).toBe(1)
  })

  test("a host that hangs every call for a while: each notice attempt is given up after 5 s, and both arrive", async () => {
    let calls = 0
    const ok: string[] = []
    const h = await setup({ background_concurrency: 2 }, 0, (args) => {
      if (++calls <= 3) return new Promise(() => {})
      ok.push(args.body.parts[0].text)
      return { data: true }
    })
    await h.launch("first")
    await h.launch("second")
    await h.complete("ses_child1")
    await h.complete("ses_child2")
    // first (5 s), second (5 s), first again (5 s) hang; then the second, which lists both results, goes out
    await h.clock.advance(3 * 5_000 + 100)
    expect(ok).toHaveLength(1)
    expect(ok[0]).toContain("All background tasks of this session are done")
    await h.clock.advance(5_000)
    expect(ok).toHaveLength(1) // the older notice is superseded by the one that went out
  })

  test("a notice whose every attempt fails gives up without waiting after the last one", async () => {
    const h = await setup({}, 0, () => ({ error: { name: "Boom" } }))
    await h.launch("lost")
    await h.complete("ses_child1")
    const warned = () => h.fake.logs().filter((l) => l.message.includes("could not deliver a background notice"))
    // attempts at 0, 0.5 s and 1.5 s (complete() itself lets 5 ms pass); none waits after the last
    await h.clock.advance(1_495)
    expect(h.notices()).toHaveLength(3)
    expect(warned()).toHaveLength(1)
  })

  test("the parent's entry.background lists its tasks for other hooks and the sidebar", async () => {
    const h = await setup()
    const id = await h.launch("visible")
    const fact = () => h.internals.ctx.store.peek("ses_parent")!.background
    expect(fact()).toMatchObject({ running: 1, tasks: [{ id, description: "visible", status: "running" }] })
    await h.complete("ses_child1")
    expect(fact()).toMatchObject({
      running: 0,
      tasks: [{ id, status: "completed", toolCalls: 1, tokens: { input: 300, output: 20 } }],
    })
  })

  test("OpenCode deletes the child, then the parent: no queued task starts and the gone parent gets no notice", async () => {
    const h = await setup()
    await h.launch("running")
    await h.launch("queued")
    await h.send(ev.deleted("ses_child1"))
    await h.send(ev.deleted("ses_parent"))
    await h.clock.advance(10)
    expect(h.created()).toBe(1)
    expect(h.notices()).toHaveLength(0)
  })

  test("a child deleted on its own frees its slot for the next task and the parent is told", async () => {
    const h = await setup()
    await h.launch("running")
    await h.launch("queued")
    await h.send(ev.deleted("ses_child1"))
    await h.clock.advance(10)
    expect(h.created()).toBe(2)
    expect(h.notices()[0].parts[0].text).toContain("the child session was deleted")
  })

  test("after dispose, a hung child-session call that ends touches nothing", async () => {
    const h = await pluginHarness({}, { factories: bgOnly, responders: { "session.create": () => new Promise(() => {}) } })
    await h.chatParams("ses_parent", { context: 20_000, output: 2_000 })
    const ctx = { sessionID: "ses_parent", abort: new AbortController().signal } as never
    await h.hooks.tool!.background_task!.execute({ description: "x", prompt: "y" } as never, ctx)
    await h.hooks.dispose!() // ends the hung create; the task's failure must not bring the parent back
    await h.clock.advance(100)
    expect(h.internals.ctx.store.size).toBe(0)
    expect(h.fake.named("session.promptAsync")).toHaveLength(0)
  })

  test("a task cancelled while its prompt is on the way gets its child aborted once the prompt has gone", async () => {
    let release: (v: unknown) => void = () => {}
    const h = await pluginHarness(
      {},
      {
        factories: bgOnly,
        responders: {
          "session.create": () => ({ data: { id: "ses_child1" } }),
          "session.promptAsync": () => new Promise((r) => (release = r)),
        },
      },
    )
    await h.chatParams("ses_parent", { context: 20_000, output: 2_000 })
    const ctx = { sessionID: "ses_parent", abort: new AbortController().signal } as never
    const out = String(await h.hooks.tool!.background_task!.execute({ description: "x", prompt: "y" } as never, ctx))
    await h.clock.settle()
    await h.hooks.tool!.background_cancel!.execute({ task_id: out.match(/task (bg_\w+)/)![1]! } as never, ctx)
    const aborts = () => h.fake.named("session.abort").length
    expect(aborts()).toBe(1) // the child was still idle when cancelled
    release({ data: true }) // then the prompt arrives: the child would run unwatched
    await h.clock.settle()
    expect(aborts()).toBe(2)
  })

  test("the parent's fact lists every unfinished task first, even behind ten finished ones", async () => {
    const h = await setup({ background_concurrency: 20 })
    for (let i = 0; i < 12; i++) {
      await h.launch(`done ${i}`)
      await h.complete(`ses_child${i + 1}`)
    }
    const open = await h.launch("still running")
    const fact = h.internals.ctx.store.peek("ses_parent")!.background
    expect(fact.tasks).toHaveLength(10)
    expect(fact.tasks[0]).toMatchObject({ id: open, status: "running" })
  })
})
