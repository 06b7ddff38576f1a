/**
 * One long session driven through the plugin's public hooks on fake time, the way OpenCode
 * would drive it: a tool step every `stepMs` (reads of 40 files, some read again unchanged,
 * some changed by writes, shell commands run again), the messages transform for every
 * request, the usage of every answer, a todo list, a background task every 100 steps, and
 * every 30 steps the person away past the prompt cache's lifetime (a cold pruning moment).
 */
import { createLongrun } from "../../src/plugin"
import { Conversation, DIR } from "../../testkit/conversation"
import { ev } from "../../testkit/events"
import { fakeClock } from "../../testkit/fake-clock"
import { benchClient } from "../lib/fake-client"

export const SID = "ses_journal_bench"
const body = (tag: string, lines: number) =>
  `${Array.from({ length: lines }, (_, i) => `${tag} line ${i}: some content of the kind a tool returns`).join("\n")}\n`

export interface Minute {
  minute: number
  writes: number
  bytes: number
}

export async function longSession(opts: { steps: number; stepMs: number; options: Record<string, unknown> }) {
  let child = 0
  const fake = benchClient({
    "session.create": () => ({ data: { id: `ses_bench_child${++child}` } }),
    "session.todo": () => ({ data: [] }),
  })
  const clock = fakeClock()
  const p = await createLongrun(fake.input, { todo_countdown_ms: 1_000, ...opts.options }, { clock: clock.clock })
  const { hooks, internals } = p
  const journal = internals.ctx.journal
  const send = async (event: unknown) => {
    await hooks.event!({ event } as never)
    await internals.router.flush()
  }
  const c = new Conversation(SID)
  c.at = clock.now()
  const minutes: Minute[] = []
  let last = { writes: 0, bytes: 0 }
  let nextMinute = clock.now() + 60_000
  const version = new Map<number, number>()
  await send(ev.created(SID))
  await send(
    ev.todos(SID, [
      { content: "Fix the parser", status: "in_progress" },
      { content: "Run the tests", status: "pending" },
    ]),
  )
  c.user("Work through the task.")
  for (let step = 0; step < opts.steps; step++) {
    const file = step % 40
    if (step % 7 === 3) {
      version.set(file, (version.get(file) ?? 0) + 1)
      c.write(`f${file}.ts`, body(`f${file} v${version.get(file)}`, 30))
    } else if (step % 5 === 1) c.bash("npm test", body(`test run ${Math.floor(step / 50)}`, 40))
    else c.read(`f${file}.ts`, body(`f${file} v${version.get(file) ?? 0}`, 30))
    c.usage({ input: 500, output: 80, read: 1_000 + step * 300 })
    if (step % 30 === 29)
      c.text("A pause here.")
        .pause(6 * 60_000)
        .user("Go on.")
    // The request for the next step, then the answer's usage as OpenCode announces it.
    await hooks["experimental.chat.messages.transform"]!({} as never, { messages: c.request() } as never)
    const answer = c.messages.findLast((m) => m.info.role === "assistant")!
    await send({ type: "message.updated", properties: { sessionID: SID, info: answer.info } })
    if (step % 100 === 50) {
      await hooks.tool!.background_task!.execute(
        { description: `task ${step}`, prompt: "Look at the logs." } as never,
        {
          sessionID: SID,
          abort: new AbortController().signal,
        } as never,
      )
      await internals.router.flush()
      await clock.advance(5)
      const cid = `ses_bench_child${child}`
      await send(ev.status(cid, "busy"))
      await send(ev.textPart(cid, "msg_bench_c", `prt_bench_c${step}`, "The logs show nothing unusual."))
      await send(ev.status(cid, "idle"))
      await send(ev.idle(cid))
    }
    if (step % 60 === 59) {
      await send(
        ev.todos(SID, [
          { content: "Fix the parser", status: "completed" },
          { content: "Run the tests", status: "in_progress" },
        ]),
      )
      await send(ev.status(SID, "idle"))
      await send(ev.idle(SID))
    }
    await clock.advance(opts.stepMs)
    await journal.idle()
    while (clock.now() >= nextMinute) {
      const s = journal.stats
      minutes.push({ minute: minutes.length + 1, writes: s.writes - last.writes, bytes: s.bytes - last.bytes })
      last = { writes: s.writes, bytes: s.bytes }
      nextMinute += 60_000
    }
  }
  return { p, clock, journal, minutes, dir: DIR }
}
