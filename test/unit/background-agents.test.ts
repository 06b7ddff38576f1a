import { describe, expect, test } from "bun:test"
import { setup } from "../helpers/background-session"
import { ev } from "../../testkit/events"

describe("background agents", () => {
  test("launch creates a child of the parent and sends the prompt with agent and model", async () => {
    const h = await setup()
    const id = await h.launch("count files")
    const create = h.fake.named("session.create")[0]!.args as any
    expect(create.body.parentID).toBe("ses_parent")
    const prompt = h.fake.named("session.promptAsync")[0]!.args as any
    expect(prompt.path.id).toBe("ses_child1")
    expect(prompt.body).toMatchObject({ agent: "general", model: { providerID: "scripted", modelID: "scripted-model" } })
    expect(prompt.body.parts[0].text).toBe("do count files")
    expect(await h.run("background_output", { task_id: id })).toContain(`Task ${id} (count files): running`)
  })

  test("a concurrency limit of one queues the second task until the first ends (FIFO)", async () => {
    const h = await setup()
    const first = await h.launch("first")
    const second = await h.launch("second")
    const third = await h.launch("third")
    expect(h.created()).toBe(1)
    expect(await h.run("background_output", { task_id: second })).toContain("queued")
    await h.complete("ses_child1")
    expect(h.created()).toBe(2)
    expect(await h.run("background_output", { task_id: first })).toContain("completed")
    const next = h.fake.named("session.promptAsync").at(-1)!.args as any
    expect(next.path.id).toBe("ses_child2")
    expect(next.body.parts[0].text).toBe("do second")
    await h.complete("ses_child2")
    expect(h.created()).toBe(3)
    expect(await h.run("background_output", { task_id: third })).toContain("running")
  })

  test("per-provider limits apply across models", async () => {
    const h = await setup({ background_concurrency: 5, background_provider_concurrency: { scripted: 1 } })
    await h.run("background_task", { description: "a", prompt: "a", model: "scripted/model-a" })
    await h.run("background_task", { description: "b", prompt: "b", model: "scripted/model-b" })
    await h.clock.advance(5)
    expect(h.created()).toBe(1)
  })

  test("success: the child's last text is the result, bounded with a pointer to the child session", async () => {
    const h = await setup({ background_result_max_chars: 200 })
    const id = await h.launch("long answer")
    await h.complete("ses_child1", "R".repeat(500))
    const out = await h.run("background_output", { task_id: id })
    expect(out).toContain("completed")
    expect(out).toContain("tool calls: 1, last tool: bash, tokens: 300 in / 20 out")
    expect(out).toContain(`${"R".repeat(200)}\n[300 more characters in child session ses_child1]`)
  })

  test("streamed deltas build the result when no final part update arrives", async () => {
    const h = await setup()
    const id = await h.launch("stream")
    await h.send(ev.status("ses_child1", "busy"))
    await h.send(ev.delta("ses_child1", "msg_c1", "prt_d", "hello "))
    await h.send(ev.delta("ses_child1", "msg_c1", "prt_d", "world"))
    await h.send(ev.idle("ses_child1"))
    expect(await h.run("background_output", { task_id: id })).toContain("Result:\nhello world")
  })

  test("an error in the child ends the task as error, with the reason", async () => {
    const h = await setup()
    const id = await h.launch("will fail")
    await h.send(ev.status("ses_child1", "busy"))
    await h.send({
      type: "session.error",
      properties: { sessionID: "ses_child1", error: { name: "APIError", data: { message: "provider exploded" } } },
    })
    const out = await h.run("background_output", { task_id: id })
    expect(out).toContain("error")
    expect(out).toContain("reason: provider exploded")
  })

  test("background_cancel aborts the child, frees the slot and starts the next task", async () => {
    const h = await setup()
    const first = await h.launch("slow")
    await h.launch("next")
    const out = await h.run("background_cancel", { task_id: first })
    expect(out).toContain(`Cancelled ${first} (slow)`)
    expect((h.fake.named("session.abort")[0]!.args as any).path.id).toBe("ses_child1")
    await h.clock.advance(5)
    expect(h.created()).toBe(2)
    expect(await h.run("background_cancel", { task_id: first })).toContain("Already finished")
    expect(await h.run("background_cancel", { task_id: "all" })).toContain("Cancelled")
  })

  test("stale tasks and tasks past the time limit are cancelled with the reason", async () => {
    const h = await setup({ background_concurrency: 2, background_stale_ms: 1_000, background_timeout_ms: 5_000 })
    const stale = await h.launch("quiet")
    const busy = await h.launch("chatty")
    await h.send(ev.status("ses_child2", "busy"))
    await h.clock.advance(600)
    await h.send(ev.delta("ses_child2", "m", "p", "still here"))
    await h.clock.advance(600) // the sweep (every 250 ms here) finds the quiet one 1 s without activity
    expect(await h.run("background_output", { task_id: stale })).toContain("reason: stale: no activity for 1 s")
    for (let i = 0; i < 10; i++) {
      await h.clock.advance(500)
      await h.send(ev.delta("ses_child2", "m", "p", "."))
    }
    expect(await h.run("background_output", { task_id: busy })).toMatch(
      /reason: time limit: ran [56] s \(background_timeout_ms is 5000\)/,
    )
    expect(h.fake.named("session.abort")).toHaveLength(2)
  })

  test("a deleted parent cancels its tasks without notices", async () => {
    const h = await setup()
    const id = await h.launch("orphan")
    await h.send(ev.deleted("ses_parent"))
    await h.clock.advance(5)
    expect(h.fake.named("session.abort")).toHaveLength(1)
    expect(h.notices()).toHaveLength(0)
    expect(await h.run("background_output", { task_id: id })).toContain("cancelled")
  })

  test("the slot is released exactly once, however many end signals arrive", async () => {
    const h = await setup()
    await h.launch("one")
    await h.launch("two")
    await h.launch("three")
    await h.complete("ses_child1")
    await h.send(ev.idle("ses_child1"))
    await h.send({ type: "session.error", properties: { sessionID: "ses_child1", error: { name: "APIError", data: {} } } })
    await h.send(ev.deleted("ses_child1"))
    await h.clock.advance(5)
    expect(h.created()).toBe(2)
  })

  test("notices: noReply while others run; the last one wakes the parent with the list; never interleaved", async () => {
    const h = await setup({ background_concurrency: 3 }, 30)
    const a = await h.launch("alpha")
    const b = await h.launch("beta")
    const parentView = () => h.internals.ctx.store.peek("ses_parent")!.background.running
    expect(parentView()).toBe(2)
    await h.complete("ses_child1")
    await h.complete("ses_child2")
    expect(parentView()).toBe(0)
    await h.clock.advance(100)
    const notices = h.notices()
    expect(notices).toHaveLength(2)
    expect(notices[0].noReply).toBe(true)
    expect(notices[0].parts[0].text).toContain(`Background task ${a} (alpha) completed`)
    expect(notices[0].parts[0].text).toContain("1 background task(s) of this session still running")
    expect(notices[1].noReply).toBe(false)
    expect(notices[1].parts[0].text).toContain(
      `Read their results with background_output: ${a} (alpha: completed), ${b} (beta: completed)`,
    )
    expect(h.stats().maxInFlight).toBe(1)
    expect(h.fake.toasts().map((t) => t.message)).toEqual(["alpha: completed, 1 still running", "beta: completed"])
  })

  test("background_output waits for completion up to wait_seconds", async () => {
    const h = await setup()
    const id = await h.launch("waited")
    const pending = h.run("background_output", { task_id: id, wait_seconds: 5 })
    await h.clock.advance(20)
    await h.complete("ses_child1", "done now")
    expect(await pending).toContain("Result:\ndone now")
    const id2 = await h.launch("never ends")
    let answered = false
    const waiting = h.run("background_output", { task_id: id2, wait_seconds: 0.2 }).then((out) => {
      answered = true
      return out
    })
    await h.clock.advance(199)
    expect(answered).toBe(false)
    await h.clock.advance(1)
    expect(await waiting).toContain("running")
  })

  test("finished tasks are pruned after the retention time; the safety-net interval runs only while tasks run", async () => {
    // journal off: its write timer (pending after each change) would be counted too
    const h = await setup({ background_retention_ms: 60_000, journal: false })
    const timers = () => h.internals.ctx.timers.size
    const base = timers()
    const id = await h.launch("short")
    expect(timers()).toBe(base + 1)
    await h.complete("ses_child1")
    expect(timers()).toBe(base)
    await h.clock.advance(61_000)
    await h.launch("another")
    expect(await h.run("background_output", { task_id: id })).toContain(`No background task ${id}`)
  })

  test("bad model strings are refused with a clear message", async () => {
    const h = await setup()
    expect(await h.run("background_task", { description: "x", prompt: "y", model: "nomodel" })).toContain(
      'model must look like "provider/model"',
    )
  })

  test("longrun_status lists tasks with status, runtime, tool calls, last tool and tokens", async () => {
    const h = await setup()
    const id = await h.launch("reported")
    await h.complete("ses_child1")
    const text = String(
      await h.hooks.tool!.longrun_status!.execute({ scope: "all" } as never, { sessionID: "ses_parent" } as never),
    )
    expect(text).toMatch(new RegExp(`${id}\\s+reported\\s+completed\\s+\\d+s\\s+1\\s+bash\\s+300/20`))
  })
})
