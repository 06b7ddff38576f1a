import { describe, expect, test } from "bun:test"
import { RESUME_PROMPT } from "../../src/hooks/background-agents/restore"
import { ev } from "../../testkit/events"
import { setup } from "../helpers/background-session"
import { journalFolder } from "../helpers/restart"

const text = (body: any) => String(body?.parts?.[0]?.text ?? "")
const childPrompts = (h: Awaited<ReturnType<typeof setup>>, child: string) =>
  h.fake
    .named("session.promptAsync")
    .map((c) => c.args as any)
    .filter((a) => a.path.id === child)
    .map((a) => text(a.body))

/** What session.messages answers for a child cut off mid-step: its prompt, then a reply still streaming. */
const cutOff = (partial = "half of the answer") => ({
  "session.messages": () => ({
    data: [
      { info: { id: "msg_c0", role: "user" }, parts: [{ id: "prt_p", type: "text", text: "do alpha" }] },
      {
        info: { id: "msg_c1", role: "assistant", time: { created: 1 } },
        parts: [{ id: "prt_h", type: "text", text: partial }],
      },
    ],
  }),
})

/** A child that had finished before OpenCode stopped (the journal had not written it yet). */
const finished = {
  "session.messages": () => ({
    data: [
      { info: { id: "msg_c0", role: "user" }, parts: [] },
      {
        info: { id: "msg_c1", role: "assistant", time: { created: 1, completed: 2 }, finish: "stop" },
        parts: [{ id: "prt_r", type: "text", text: "the finished result" }],
      },
    ],
  }),
}

/** A task started and running in its child, written to the journal, then OpenCode is killed. */
async function runningAtCrash(options: Record<string, unknown> = {}) {
  const folder = journalFolder()
  const a = await setup({ ...folder.options, ...options })
  const id = await a.launch("alpha")
  await a.send(ev.status("ses_child1", "busy"))
  await a.send(ev.toolPart("ses_child1", "msg_c1", "prt_t1", "bash", "ok"))
  await folder.written(a)
  folder.crash(a)
  return { folder, a, id }
}

describe("background tasks across a restart", () => {
  test("a task running when OpenCode died is resumed in its child with one prompt; the parent is told once, then of its end once", async () => {
    const { folder, id } = await runningAtCrash()
    const b = await setup(folder.options, 0, undefined, cutOff())
    await folder.firstEvent(b)
    // one read of the child's newest messages, then one prompt to continue, with the task's agent and model
    expect(b.fake.named("session.messages").map((c: any) => [c.args.path.id, c.args.query.limit])).toEqual([["ses_child1", 2]])
    expect(childPrompts(b, "ses_child1")).toEqual([RESUME_PROMPT])
    const resumed = b.fake.named("session.promptAsync").find((c: any) => c.args.path.id === "ses_child1")!.args as any
    expect(resumed.body.agent).toBe("general")
    expect(resumed.body.model).toEqual({ providerID: "scripted", modelID: "scripted-model" })
    expect(b.notices().map(text)).toEqual([expect.stringContaining(`${id} (alpha) was running: it goes on in its child session`)])
    expect(b.notices()[0].noReply).toBe(true)
    expect(await b.run("background_output", { task_id: id })).toContain("running")
    // the child's events reach the task again; its end is told once
    await b.complete("ses_child1", "alpha done")
    expect(b.notices().map(text)).toEqual([expect.anything(), expect.stringContaining(`${id} (alpha) completed`)])
    expect(await b.run("background_output", { task_id: id })).toContain("alpha done")
    await folder.written(b)
    folder.crash(b)
    // a third start: nothing left to do, nothing told again
    const c = await setup(folder.options)
    await folder.firstEvent(c)
    expect(c.notices()).toEqual([])
    expect(c.fake.named("session.messages")).toEqual([])
    expect(await c.run("background_output", { task_id: id })).toContain("(alpha): completed")
  })

  test("a task whose child had finished before the kill is not resumed: completed with what the child wrote", async () => {
    const { folder, id } = await runningAtCrash()
    const b = await setup(folder.options, 0, undefined, finished)
    await folder.firstEvent(b)
    expect(childPrompts(b, "ses_child1")).toEqual([])
    expect(b.notices().map(text)).toEqual([expect.stringContaining(`${id} (alpha) completed`)])
    expect(await b.run("background_output", { task_id: id })).toContain("Result:\nthe finished result")
  })

  test("resumes off, or a child that is gone: the parent is told it was interrupted, with what it had produced, once", async () => {
    const off = await runningAtCrash({ background_resume: false })
    const b = await setup({ ...off.folder.options, background_resume: false }, 0, undefined, cutOff("what it had"))
    await off.folder.firstEvent(b)
    expect(childPrompts(b, "ses_child1")).toEqual([])
    expect(b.notices().map(text)).toEqual([
      expect.stringMatching(/\(alpha\) error after \d+ s\.\nReason: interrupted: .*background_resume is off/),
    ])
    expect(await b.run("background_output", { task_id: off.id })).toContain("Result:\nwhat it had")

    const gone = await runningAtCrash()
    const c = await setup(gone.folder.options, 0, undefined, {
      "session.messages": () => ({ error: { name: "NotFoundError" }, response: { status: 404 } }),
    })
    await gone.folder.firstEvent(c)
    expect(c.notices().map(text)).toEqual([expect.stringContaining("its child session is gone")])
  })

  test("a finished task whose notice never got through is told after the restart, once", async () => {
    const folder = journalFolder()
    const a = await setup(folder.options, 0, () => ({ error: { name: "UnknownError" } }))
    const id = await a.launch("beta")
    await a.complete("ses_child1", "beta result")
    await a.clock.advance(10_000) // the three attempts fail
    await folder.written(a)
    folder.crash(a)
    const b = await setup(folder.options, 0, undefined, {
      "session.message": () => ({ data: { parts: [{ id: "prt_x1", type: "text", text: "beta result" }] } }),
    })
    await folder.firstEvent(b)
    expect(b.notices().map(text)).toEqual([expect.stringContaining(`${id} (beta) completed`)])
    expect(b.fake.named("session.messages")).toEqual([]) // nothing to ask the child
    // its result is read from the one part that holds it
    expect(await b.run("background_output", { task_id: id })).toContain("Result:\nbeta result")
    expect(b.fake.named("session.message").map((c: any) => c.args.path)).toEqual([{ id: "ses_child1", messageID: "msg_c1" }])
    // told is written at once: a crash right after does not tell it again
    await b.clock.advance(1)
    await b.internals.ctx.journal.flush()
    folder.crash(b)
    const c = await setup(folder.options)
    await folder.firstEvent(c)
    expect(c.notices()).toEqual([])
  })

  test("a queued task starts again with its prompt; a running one keeps its slot meanwhile", async () => {
    const folder = journalFolder()
    const a = await setup(folder.options)
    await a.launch("alpha")
    const queued = await a.launch("beta")
    expect(a.created()).toBe(1)
    await folder.written(a)
    folder.crash(a)
    const b = await setup(folder.options, 0, undefined, cutOff())
    await folder.firstEvent(b)
    expect(b.created()).toBe(0) // alpha resumed holds the one slot
    await b.complete("ses_child1", "alpha done")
    expect(b.created()).toBe(1)
    expect(childPrompts(b, "ses_child1")).toEqual([RESUME_PROMPT, "do beta"])
    expect(await b.run("background_output", { task_id: queued })).toContain("(beta): running")
  })
})
