/**
 * The journal in real OpenCode: one server does four things, is killed with SIGKILL while a
 * background task runs, and a second server starts on the same project and folders (and the
 * same scripted model, whose recorded requests go on).
 * - P1 started a task whose child is in the middle of `sleep 30` at the kill, and a second one
 *   still queued behind it (one slot): after the restart the child is resumed and P1 is told so
 *   within seconds, once, then of its end, once; the queued task starts then, and ends, once.
 * - P2's task finished and its notice went out; the journal is then set back to "not told", the
 *   state a kill between the end and the notice leaves: P2 is told once, and reads the result.
 * - S stopped its todo continuation with /longrun-stop: the stop holds after the restart.
 * - H's history was pruned at a cold moment just before the kill: the first request after the
 *   restart resends it byte-identical.
 * - Damaged journal files put beside the good ones are named in one log line and ignored.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { bySession, type RecordedRequest, type Reply, sequence } from "../../testkit/model-server"

const TTL_MS = 20_000
const OPTIONS = {
  prompt_cache_ttl_ms: TTL_MS,
  pruning_keep_recent: 2,
  todo_countdown_ms: 3_000,
  todo_cooldown_ms: 0,
  background_concurrency: 1,
  disabled_hooks: ["preemptive-compaction"],
}
const FILE = `${Array.from({ length: 80 }, (_, i) => `line ${i} of a file the agent reads three times`).join("\n")}\n`
const call = (name: string, args: Record<string, unknown>): Reply => ({ toolCalls: [{ name, args }] })
const todos = call("todowrite", {
  todos: ["Write the parser", "Write the printer"].map((content) => ({ content, status: "pending", priority: "high" })),
})
const ids = (text: string) => [...new Set(text.match(/bg_[a-z0-9]+/g) ?? [])]
// P2: launches, and reads the result whenever it is told a task is done.
const quickParent = (req: RecordedRequest): Reply => {
  const last = req.messages.at(-1)
  if (last?.role === "tool" && req.toolResults.at(-1)?.content.startsWith("Task bg_")) return { text: "Quick noted." }
  if (last?.role === "user" && req.lastUserText.includes("All background tasks of this session are done"))
    return { toolCalls: ids(req.lastUserText).map((task_id) => ({ name: "background_output", args: { task_id } })) }
  if (req.toolResults.some((t) => t.content.startsWith("Started background task"))) return { text: "Launched quick." }
  return call("background_task", { description: "quick", prompt: "Child quick: say your result." })
}
const script = bySession([
  ["Child slow", sequence([call("bash", { command: "sleep 30", description: "slow" }), { text: "slow result" }])],
  ["Child quick", sequence([{ text: "quick result" }])],
  ["Child later", sequence([{ text: "later result" }])],
  [
    "Launch the slow one",
    sequence(
      [
        {
          toolCalls: [
            { name: "background_task", args: { description: "slow", prompt: "Child slow: sleep." } },
            { name: "background_task", args: { description: "later", prompt: "Child later: say your result." } },
          ],
        },
        { text: "Launched." },
      ],
      { text: "Noted." },
    ),
  ],
  ["Launch the quick one", quickParent],
  ["Todo work", sequence([todos, { text: "Paused." }], { text: "Nothing more." })],
  [
    "Read the files",
    sequence([
      call("read", { filePath: "a.txt" }),
      call("read", { filePath: "b.txt" }),
      call("read", { filePath: "c.txt" }),
      { text: "Read it." },
      { text: "Back." },
      { text: "Next." },
    ]),
  ],
])

/** Texts the plugin sent into a session as user messages (`[longrun] ...`), one per part. */
const ownTexts = (oc: OpencodeHandle, sid: string, since = 0) => {
  const byPart = new Map<string, string>()
  for (const e of oc.events.slice(since))
    if (e.type === "message.part.updated" && e.properties.part?.sessionID === sid && e.properties.part.type === "text") {
      const t = String(e.properties.part.text)
      if (t.startsWith("[longrun] ")) byPart.set(e.properties.part.id, t)
    }
  return [...byPart.values()]
}

let a: OpencodeHandle
let b: OpencodeHandle
const sid = { p1: "", p2: "", s: "", h: "" }
let slowTask = ""
let lastBefore: RecordedRequest
let firstAfter: RecordedRequest
let restartedAt = 0
let journalFiles: string[] = []

const journalDir = (oc: OpencodeHandle) => {
  const root = join(oc.tmpRoot, "data", "opencode-longrun", "journal")
  const projects = existsSync(root) ? readdirSync(root) : []
  return join(root, projects[0] ?? "none")
}

beforeAll(async () => {
  a = await startOpencode({
    pluginOptions: OPTIONS,
    script,
    files: { "a.txt": FILE, "b.txt": FILE.replaceAll("line", "row"), "c.txt": FILE.replaceAll("line", "entry") },
    limit: { context: 200_000, output: 4_000 },
  })
  sid.h = await a.runPrompt("Read the files a.txt, b.txt and c.txt.")
  const pauseEnds = Date.now() + TTL_MS + 1_500
  sid.s = await a.runPrompt("Todo work: plan it.")
  await a.client.session.command({ path: { id: sid.s }, body: { command: "longrun-stop", arguments: "" } })
  sid.p2 = await a.runPrompt("Launch the quick one.")
  await a.model.waitForRequest(
    (r) => r.sessionID === sid.p2 && r.toolResults.some((t) => t.content.startsWith("Task bg_")),
    30_000,
  )
  await a.waitForIdle(
    sid.p2,
    30_000,
    a.events.findLastIndex((e) => e.type === "message.updated"),
  )
  await Bun.sleep(Math.max(0, pauseEnds - Date.now())) // OpenCode's timestamps must show the person away
  await a.runPrompt("back", { sessionID: sid.h })
  lastBefore = a.model
    .agentRequests()
    .filter((r) => r.sessionID === sid.h)
    .at(-1)!
  sid.p1 = await a.runPrompt("Launch the slow one.")
  const running = await a.waitForEvent(
    (e) =>
      e.type === "message.part.updated" &&
      e.properties.part?.state?.input?.command === "sleep 30" &&
      e.properties.part.state.status === "running",
    30_000,
  )
  slowTask = ids(a.model.requests.flatMap((r) => r.toolResults.map((t) => t.content)).find((c) => c.includes("(slow)")) ?? "")[0]!
  expect(running.properties.part.sessionID).not.toBe(sid.p1)
  await Bun.sleep(2_000) // the journal writes within journal_write_delay_ms (1 s)
  journalFiles = existsSync(journalDir(a)) ? readdirSync(journalDir(a)) : []
  await a.kill()
  restartedAt = Date.now()
  // P2's task ended and was told; set it back to the state a kill before the notice leaves.
  const p2File = journalFiles.find((f) => f.startsWith(`${sid.p2}.`))
  if (p2File) {
    const path = join(journalDir(a), p2File)
    const record = JSON.parse(readFileSync(path, "utf8"))
    for (const t of record.sections.tasks) t.told = false
    writeFileSync(path, JSON.stringify(record))
  }

  // A damaged journal beside the good ones: one cut short, one from a newer version, one not JSON.
  const good = readFileSync(join(journalDir(a), journalFiles.find((f) => f.startsWith(`${sid.s}.`))!), "utf8")
  writeFileSync(join(journalDir(a), "ses_cut.999999-deadbeef.json"), good.replaceAll(sid.s, "ses_cut").slice(0, 80))
  writeFileSync(
    join(journalDir(a), "ses_newer.999999-deadbeef.json"),
    good.replaceAll(sid.s, "ses_newer").replace('"v":1', '"v":7'),
  )
  writeFileSync(join(journalDir(a), "ses_junk.999999-deadbeef.json"), "\u0000{{{ not json")

  b = await startOpencode({ restartOf: a, pluginOptions: OPTIONS, limit: { context: 200_000, output: 4_000 } })
  await b.runPrompt("next", { sessionID: sid.h })
  firstAfter = b.model.agentRequests().filter((r) => r.sessionID === sid.h && r.index > lastBefore.index)[0]!
}, 240_000)

afterAll(async () => {
  await a?.stop()
  await b?.stop()
}, 30_000)

describe("the journal across a SIGKILL of OpenCode", () => {
  test("every session with something to keep had its journal file before the kill", () => {
    for (const s of [sid.p1, sid.p2, sid.s, sid.h]) expect(journalFiles.some((f) => f.startsWith(`${s}.`))).toBe(true)
  })

  test("a damaged journal is reported in one log line and ignored; the rest is picked up", () => {
    const lines = b
      .logs()
      .split("\n")
      .filter((l) => l.includes("[longrun] journal: ignored"))
    expect(lines).toHaveLength(1)
    for (const name of ["ses_cut", "ses_newer", "ses_junk"]) expect(lines[0]).toContain(name)
    expect(lines[0]).toContain("version 7 is newer")
  })

  test("a task running at the kill: its parent is told within seconds that it goes on, once, then of its end, once; the queued one starts after it", async () => {
    const resumed = await b.waitForEvent(
      (e) =>
        e.type === "message.part.updated" &&
        e.properties.part?.sessionID === sid.p1 &&
        String(e.properties.part.text).includes("goes on in its child session"),
      30_000,
    )
    expect(resumed.receivedAt - restartedAt).toBeLessThan(30_000)
    // its end is told without a reply asked (the queued one runs now); the last end wakes P1
    await b.model.waitForRequest((r) => r.sessionID === sid.p1 && r.lastUserText.includes("(later) completed"), 90_000)
    // the child was asked to go on once, in the child session that ran it
    const child = b.model.requests.filter((r) => r.firstUserText.includes("Child slow") && r.index > lastBefore.index)
    expect(child.filter((r) => r.lastUserText.includes("OpenCode was restarted while you worked on this task"))).toHaveLength(1)
    await b.waitForIdle(
      sid.p1,
      30_000,
      b.events.findLastIndex((e) => e.type === "message.updated"),
    )
    const told = ownTexts(b, sid.p1)
    expect(told.filter((t) => t.includes(`${slowTask} (slow) was running`))).toHaveLength(1)
    expect(told.filter((t) => t.includes(`${slowTask} (slow) completed`))).toHaveLength(1)
    // the queued one started once the slot was free, and its end was told once
    expect(ownTexts(b, sid.p1).filter((t) => t.includes("(later) completed"))).toHaveLength(1)
    const later = b.model.requests.filter((r) => r.firstUserText.includes("Child later"))
    expect(later.length).toBeGreaterThan(0)
    expect(later[0]!.index).toBeGreaterThan(child.at(-1)?.index ?? 0)
  }, 120_000)

  test("a finished task its parent was not told of: told once after the restart, and its result read", async () => {
    const req = await b.model.waitForRequest(
      (r) => r.sessionID === sid.p2 && r.index > lastBefore.index && r.toolResults.some((t) => t.content.startsWith("Task bg_")),
      60_000,
    )
    expect(req.toolResults.at(-1)!.content).toContain("Result:\nquick result")
    expect(ownTexts(b, sid.p2).filter((t) => t.includes("(quick) completed"))).toHaveLength(1)
  }, 90_000)

  test("a /longrun-stop holds after the restart, even past a go-ahead", async () => {
    const before = b.model.agentRequests().filter((r) => r.sessionID === sid.s).length
    await b.runPrompt("continue", { sessionID: sid.s })
    await Bun.sleep(OPTIONS.todo_countdown_ms + 2_000)
    const after = b.model.agentRequests().filter((r) => r.sessionID === sid.s)
    expect(after.length).toBe(before + 1) // the person's own message, no continuation prompt
    expect(after.some((r) => r.lastUserText.startsWith("[longrun] Continue your todo list"))).toBe(false)
    const snapshot = JSON.parse(readFileSync(join(b.tmpRoot, "state", "opencode-longrun", "sidebar", `${sid.s}.json`), "utf8"))
    expect(snapshot.todo).toMatchObject({ state: "stopped", reason: "user" })
  }, 60_000)

  test("the pruned history is resent byte-identical: the first request after the restart extends the last one before it", () => {
    const beforeMsgs = lastBefore.body.messages.map((m: unknown) => JSON.stringify(m))
    const afterMsgs = firstAfter.body.messages.map((m: unknown) => JSON.stringify(m))
    // the last request before the kill had left the first read out (the cache was cold)
    expect(lastBefore.toolResults[0]!.content).toStartWith("[longrun] Left out")
    expect(afterMsgs.slice(0, beforeMsgs.length)).toEqual(beforeMsgs)
    expect(firstAfter.lastUserText).toBe("next")
    expect(JSON.stringify(firstAfter.body.tools)).toBe(JSON.stringify(lastBefore.body.tools))
  })
})
