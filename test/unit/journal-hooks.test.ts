import { describe, expect, test } from "bun:test"
import { readdirSync } from "node:fs"
import { createBillHook } from "../../src/hooks/bill"
import { createContextPruningHook } from "../../src/hooks/context-pruning"
import { ev } from "../../testkit/events"
import { Conversation, DIR, partOf } from "../../testkit/conversation"
import { pluginHarness, type Factory } from "../../testkit/plugin-harness"
import { armedSession, compactionOnly, LIMIT, summarizeCalls } from "../helpers/compaction-session"
import { journalFolder } from "../helpers/restart"
import { FAST, session, todoOnly } from "../helpers/todo-session"

const BIG = (tag: string) => `${Array.from({ length: 80 }, (_, i) => `${tag} line ${i} of some file content here`).join("\n")}\n`

describe("todo continuation across a restart", () => {
  test("a /longrun-stop holds after the restart: no countdown, no prompt, and the status says so", async () => {
    const folder = journalFolder()
    const a = await session({ ...FAST, ...folder.options })
    const hook = a.internals.hooks.find((h) => h.name === "todo-continuation")!
    await hook.commands!["longrun-stop"]!.run("s", "")
    await folder.written(a)
    folder.crash(a)

    const b = await session({ ...FAST, ...folder.options })
    await b.idle()
    await b.settle(10_000)
    expect(b.prompts()).toEqual([])
    expect(b.entry().continuation).toMatchObject({ state: "stopped", reason: "user" })
    // the person's own message does not lift it either; /longrun-resume does
    await b.say("msg_010", "what now?")
    await b.idle()
    await b.settle(10_000)
    expect(b.prompts()).toEqual([])
  })

  test("a stagnation stop and the counts behind it hold too", async () => {
    const folder = journalFolder()
    const a = await session({ ...FAST, ...folder.options, todo_stagnation_limit: 1 })
    await a.idle()
    await a.settle(100) // one prompt, no progress
    await a.idle()
    await a.settle(100) // stagnation: stopped
    expect(a.entry().continuation.reason).toBe("stagnation")
    await folder.written(a)
    folder.crash(a)
    const b = await session({ ...FAST, ...folder.options, todo_stagnation_limit: 1 })
    await b.idle()
    await b.settle(10_000)
    expect(b.prompts()).toEqual([])
    expect(b.entry().continuation).toMatchObject({ reason: "stagnation", sent: 1 })
  })

  test("a session deleted after the restart, before any other event of it: its journal goes", async () => {
    const folder = journalFolder()
    const a = await session({ ...FAST, ...folder.options })
    await a.internals.hooks.find((h) => h.name === "todo-continuation")!.commands!["longrun-stop"]!.run("s", "")
    await folder.written(a)
    folder.crash(a)
    const b = await pluginHarness(folder.options, { factories: todoOnly })
    const dir = b.internals.ctx.journal.dir
    expect(readdirSync(dir).filter((f) => f.startsWith("s."))).toHaveLength(1)
    await b.send(ev.deleted("s"))
    await b.internals.ctx.journal.idle()
    expect(readdirSync(dir).filter((f) => f.startsWith("s."))).toEqual([])
  })

  test("control: without the journal the same restart prompts again", async () => {
    const a = await session({ ...FAST, journal: false })
    const hook = a.internals.hooks.find((h) => h.name === "todo-continuation")!
    await hook.commands!["longrun-stop"]!.run("s", "")
    const b = await session({ ...FAST, journal: false })
    await b.idle()
    await b.settle(10_000)
    expect(b.prompts()).toHaveLength(1)
  })
})

describe("preemptive compaction across a restart", () => {
  test("a compaction in flight when OpenCode died is not sent again blindly: it counts as failed, waits out its cooldown", async () => {
    const folder = journalFolder()
    const a = await armedSession(folder.options, { "session.summarize": () => new Promise(() => {}) })
    await a.toolAfter("s")
    expect(summarizeCalls(a)).toHaveLength(1)
    expect(a.internals.ctx.store.peek("s")!.compaction.phase).toBe("in-flight")
    await folder.written(a)
    folder.crash(a)

    const b = await pluginHarness(folder.options, { factories: compactionOnly })
    await b.chatParams("s", LIMIT)
    await b.send(ev.status("s", "busy"))
    await b.send(ev.assistant("s", "msg_002", { input: 16_600 }))
    await b.toolAfter("s")
    await b.clock.advance(30_000)
    await b.toolAfter("s")
    expect(summarizeCalls(b)).toEqual([])
    const fact = b.internals.ctx.store.peek("s")!.compaction
    expect(fact.lastError).toContain("interrupted")
    // past the cooldown (counted from when the lost one began), the usage OpenCode reports decides
    await b.clock.advance(31_000)
    await b.send(ev.assistant("s", "msg_003", { input: 16_700 }))
    await b.toolAfter("s")
    expect(summarizeCalls(b)).toHaveLength(1)
  })

  test("control: without the journal the restarted plugin compacts at once", async () => {
    const a = await armedSession({ journal: false }, { "session.summarize": () => new Promise(() => {}) })
    await a.toolAfter("s")
    const b = await armedSession({ journal: false })
    await b.toolAfter("s")
    expect(summarizeCalls(b)).toHaveLength(1)
  })
})

const pruneFactories: Factory[] = [
  ["context-pruning", createContextPruningHook],
  ["bill", createBillHook],
]

async function pruner(options: Record<string, unknown>) {
  const h = await pluginHarness({ pruning_keep_recent: 2, pruning_mask_old: false, ...options }, { factories: pruneFactories })
  const transform = async (messages: Array<{ info: unknown; parts: unknown[] }>) => {
    await h.hooks["experimental.chat.messages.transform"]!({}, { messages } as never)
    return messages
  }
  return { ...h, transform }
}

/**
 * Three identical reads: the 2nd and 3rd become references to the 1st. Then the file is
 * edited. After the person was away, all three are left out (the file changed after them; the
 * references, undone with their copy, at the same moment). A plugin that forgot its decisions
 * would now send them again.
 */
function history() {
  const c = new Conversation().user("go")
  const first = c.read("a.ts", BIG("a"))
  const second = c.read("a.ts", BIG("a"))
  const third = c.read("a.ts", BIG("a"))
  c.tool(
    "edit",
    { filePath: `${DIR}/a.ts`, oldString: "a line 0", newString: "a line zero" },
    { output: "Edit applied successfully." },
  )
  c.bash("ls", "a.ts\n")
  c.bash("git status", "modified: a.ts\n")
  return { c, first, second, third }
}

describe("context pruning across a restart", () => {
  for (const journal of [true, false]) {
    test(`${journal ? "the" : "control, without the journal: not the"} first request after the restart resends the earlier history byte-identical`, async () => {
      const folder = journalFolder()
      const opts = { ...folder.options, journal }
      const a = await pruner(opts)
      const { c, first, second, third } = history()
      const r1 = await a.transform(c.request())
      expect(partOf(r1, third).state.output).toMatch(/^\[longrun\] .* is unchanged/)
      c.text("done")
        .pause(6 * 60_000)
        .user("back")
      const before = await a.transform(c.request())
      // The 1st is left out (the file changed after it); so are the references to it, undone at that moment.
      for (const id of [first, second, third]) expect(partOf(before, id).state.output).toMatch(/^\[longrun\] Left out/)
      await folder.written(a)
      folder.crash(a)

      const b = await pruner(opts)
      c.text("answer").user("next") // right away: the prompt cache is still warm
      const after = await b.transform(c.request())
      const same = JSON.stringify(after.slice(0, before.length)) === JSON.stringify(before)
      expect(same).toBe(journal)
    })
  }

  test("references made since the last write are not journaled: after a restart they are made again, the same", async () => {
    const folder = journalFolder()
    const a = await pruner(folder.options)
    const { c } = history()
    c.text("done")
      .pause(6 * 60_000)
      .user("back") // a moment: journaled
    await a.transform(c.request())
    await folder.written(a)
    const writes = a.internals.ctx.journal.stats.writes
    // two more identical reads: references at once, in a warm request
    c.read("b.ts", BIG("b"))
    const again = c.read("b.ts", BIG("b"))
    const before = await a.transform(c.request())
    expect(partOf(before, again).state.output).toMatch(/^\[longrun\] .* is unchanged/)
    await folder.written(a)
    expect(a.internals.ctx.journal.stats.writes).toBe(writes)
    folder.crash(a)
    const b = await pruner(folder.options)
    c.text("answer").user("next")
    const after = await b.transform(c.request())
    expect(JSON.stringify(after.slice(0, before.length))).toBe(JSON.stringify(before))
  })

  test("the bill goes on from where it was", async () => {
    const folder = journalFolder()
    const a = await pruner(folder.options)
    await a.send(ev.assistant("ses_b", "msg_1", { input: 1000, output: 10 }, { time: { created: 1, completed: 2 } }))
    await a.send(ev.assistant("ses_b", "msg_2", { input: 100, output: 10, read: 1000 }, { time: { created: 3, completed: 4 } }))
    const was = { ...a.internals.ctx.store.peek("ses_b")!.bill }
    expect(was.steps).toBe(2)
    await folder.written(a)
    folder.crash(a)
    const b = await pruner(folder.options)
    // a repeated update of a step already counted is not counted again
    await b.send(ev.assistant("ses_b", "msg_2", { input: 100, output: 10, read: 1000 }, { time: { created: 3, completed: 4 } }))
    expect(b.internals.ctx.store.peek("ses_b")!.bill).toEqual(was)
    await b.send(ev.assistant("ses_b", "msg_3", { input: 50, output: 5, read: 1100 }, { time: { created: 5, completed: 6 } }))
    expect(b.internals.ctx.store.peek("ses_b")!.bill.steps).toBe(3)
  })
})
