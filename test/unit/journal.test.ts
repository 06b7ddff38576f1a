import { afterEach, describe, expect, test } from "bun:test"
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SessionStore } from "../../src/cache/session-store"
import { Journal, type JournalConfig } from "../../src/journal"
import { encodeJournal, parseJournal } from "../../src/journal/format"
import { unregisterOwner } from "../../src/journal/owner"
import type { ContinuationRecord, Sections } from "../../src/journal/types"
import { Logger } from "../../src/runtime/log"
import { TimerOwner } from "../../src/runtime/timers"
import { fakeClient } from "../../testkit/fake-client"
import { fakeClock } from "../../testkit/fake-clock"

const WEEK = 7 * 86_400_000
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
const tempRoot = () => {
  const d = mkdtempSync(join(tmpdir(), "journal-test-"))
  dirs.push(d)
  return d
}

const stopped = (by: ContinuationRecord["stopped"] = "user", sent = 0): ContinuationRecord => ({
  stopped: by,
  aborted: false,
  withoutProgress: 0,
  closed: -1,
  failures: 0,
  notBefore: 0,
  sent,
})

/** One plugin instance's journal: its own store, clock and timers, on a shared folder. */
function instance(root: string, config: Partial<JournalConfig> = {}, start = 1_700_000_000_000, storeMax = 100) {
  const clock = fakeClock(start)
  const fake = fakeClient()
  const logger = new Logger(fake.client as never, { errorIntervalMs: 0, now: clock.now })
  const store = new SessionStore({
    ttlMs: 60_000,
    maxSessions: storeMax,
    messageCap: 10,
    messageCapHysteresis: 5,
    clock: clock.clock,
  })
  const timers = new TimerOwner(clock.clock)
  const journal = new Journal(
    {
      enabled: true,
      root,
      project: "proj",
      writeDelayMs: 1000,
      ttlMs: WEEK,
      maxSessions: 50,
      maxSessionBytes: 64 * 1024,
      ...config,
    },
    { clock: clock.clock, timers, store, logger },
  )
  const restored: Array<[string, string, unknown]> = []
  const writers = {
    continuation: journal.writer("continuation", (e, v) => restored.push([e.id, "continuation", v])),
    tasks: journal.writer("tasks", (e, v) => restored.push([e.id, "tasks", v])),
    pruning: journal.writer("pruning", (e, v) => restored.push([e.id, "pruning", v])),
  }
  /** Lets the write timer fire and the write finish. */
  const settle = async (ms = 1000) => {
    await clock.advance(ms)
    await journal.flush()
  }
  /** The process dies: nothing more is written, and its files are free to be taken over. */
  const crash = () => {
    timers.clearAll()
    unregisterOwner(journal.owner.id)
  }
  const files = () => readdirSync(journal.dir).sort()
  const warnings = () => fake.logs().filter((l) => l.level === "warn")
  return { clock, fake, store, timers, journal, writers, restored, settle, crash, files, warnings }
}

const task = (id: string, status: Sections["tasks"][number]["status"] = "running"): Sections["tasks"][number] => ({
  id,
  childID: "ses_child",
  description: id,
  agent: "general",
  providerID: "p",
  modelID: "m",
  status,
  createdAt: 1,
  startedAt: 1,
  lastActivityAt: 1,
  told: false,
  toolCalls: 0,
  tokens: { input: 0, output: 0 },
  resumes: 0,
})

describe("the journal: writes", () => {
  test("a change is written once, at most writeDelayMs later; no timer and no write while nothing changes", async () => {
    const a = instance(tempRoot())
    await a.journal.open()
    a.journal.start()
    expect(a.journal.writeScheduled).toBe(false)
    a.writers.continuation.set("ses_a", stopped())
    expect(a.journal.writeScheduled).toBe(true)
    await a.clock.advance(999)
    expect(a.files()).toEqual([])
    await a.settle(1)
    expect(a.files()).toEqual([`ses_a.${a.journal.owner.id}.json`])
    expect(a.journal.stats.writes).toBe(1)
    // three changes within the delay: one write, still at most 1 s after the first
    a.writers.continuation.set("ses_a", stopped("agent"))
    await a.clock.advance(500)
    a.writers.continuation.set("ses_a", stopped("stagnation"))
    a.writers.continuation.set("ses_a", stopped("failures"))
    await a.settle(500)
    expect(a.journal.stats.writes).toBe(2)
    // the same value again is no change: no timer, no write
    a.writers.continuation.set("ses_a", { ...stopped("failures") })
    expect(a.journal.writeScheduled).toBe(false)
    // a large section said to have changed, but equal on disk: not written again
    a.writers.tasks.changed("ses_a", () => [task("bg_1")])
    await a.settle()
    a.writers.tasks.changed("ses_a", () => [task("bg_1")])
    await a.settle()
    expect(a.journal.stats.writes).toBe(3)
    expect(a.journal.stats.unchanged).toBe(1)
    // an idle minute: nothing scheduled, nothing written
    await a.settle(60_000)
    expect(a.timers.size).toBe(0) // the write timer, and the one-off look at other projects, are gone
    expect(a.journal.stats.writes).toBe(3)
    const p = parseJournal(readFileSync(join(a.journal.dir, a.files()[0]!), "utf8"))
    expect(p.ok && p.file.sections.continuation?.stopped).toBe("failures")
  })

  test("the prune decisions are a file of their own: a change elsewhere does not rewrite them", async () => {
    const a = instance(tempRoot())
    await a.journal.open()
    const pruning = {
      decisions: [["prt_1:o", "masked", "x".repeat(500), undefined]] as Sections["pruning"]["decisions"],
      requests: 1,
      moments: 1,
      charsNotSent: 0,
      dollarsSaved: 0,
    }
    a.writers.pruning.changed("ses_a", () => pruning)
    a.writers.continuation.set("ses_a", stopped())
    await a.settle()
    const owner = a.journal.owner.id
    expect(a.files()).toEqual([`ses_a.${owner}.json`, `ses_a.${owner}.prune.json`])
    expect(a.journal.stats.writes).toBe(2)
    const prune = readFileSync(join(a.journal.dir, `ses_a.${owner}.prune.json`), "utf8")
    a.writers.continuation.set("ses_a", stopped("agent"))
    await a.settle()
    expect(a.journal.stats.writes).toBe(3)
    expect(readFileSync(join(a.journal.dir, `ses_a.${owner}.prune.json`), "utf8")).toBe(prune)
    const p = parseJournal(prune)
    expect(p.ok && Object.keys(p.file.sections)).toEqual(["pruning"])
  })

  test("urgent changes are written at once", async () => {
    const a = instance(tempRoot())
    await a.journal.open()
    a.writers.tasks.changed("ses_a", () => [task("bg_1", "completed")], true)
    await a.settle(0)
    expect(a.journal.stats.writes).toBe(1)
  })

  test("writes replace the file atomically and never go through a link", async () => {
    const root = tempRoot()
    const a = instance(root)
    await a.journal.open()
    const target = join(root, "elsewhere.txt")
    writeFileSync(target, "keep me")
    symlinkSync(target, join(a.journal.dir, `ses_a.${a.journal.owner.id}.json`))
    a.writers.continuation.set("ses_a", stopped())
    await a.settle()
    expect(readFileSync(target, "utf8")).toBe("keep me")
    const file = join(a.journal.dir, `ses_a.${a.journal.owner.id}.json`)
    expect(lstatSync(file).isSymbolicLink()).toBe(false)
    expect(parseJournal(readFileSync(file, "utf8")).ok).toBe(true)
    expect(a.files().filter((f) => f.endsWith(".tmp"))).toEqual([])
  })

  test("a project folder that is a link: no journal, said in one line", async () => {
    const root = tempRoot()
    mkdirSync(join(root, "real"))
    symlinkSync(join(root, "real"), join(root, "proj"))
    const a = instance(root)
    await a.journal.open()
    a.journal.start()
    expect(a.journal.enabled).toBe(false)
    a.writers.continuation.set("ses_a", stopped())
    await a.settle()
    expect(readdirSync(join(root, "real"))).toEqual([])
    expect(a.warnings().map((l) => l.message)).toEqual([expect.stringContaining("is not a folder the journal can use")])
  })

  test("one session's record is bounded: over the limit its prune decisions are left out, said once", async () => {
    const a = instance(tempRoot(), { maxSessionBytes: 4096 })
    await a.journal.open()
    a.writers.continuation.set("ses_a", stopped())
    const decisions: Sections["pruning"]["decisions"] = Array.from({ length: 50 }, (_, i) => [
      `prt_${i}:o`,
      "masked",
      "x".repeat(200),
      undefined,
    ])
    const pruning = { decisions, requests: 1, moments: 1, charsNotSent: 0, dollarsSaved: 0 }
    a.writers.pruning.changed("ses_a", () => pruning)
    await a.settle()
    a.writers.pruning.changed("ses_a", () => ({ ...pruning, requests: 2 }))
    await a.settle()
    const p = parseJournal(readFileSync(join(a.journal.dir, a.files()[0]!), "utf8"))
    expect(p.ok && p.file.sections.pruning).toBeUndefined()
    expect(p.ok && p.file.sections.continuation?.stopped).toBe("user")
    expect(a.fake.logs().filter((l) => l.message.includes("journal_max_session_bytes"))).toHaveLength(1)
  })
})

describe("the journal: after a restart", () => {
  test("a gone instance's files are taken over and given back at the session's first event; unchanged, nothing is rewritten", async () => {
    const root = tempRoot()
    const a = instance(root)
    await a.journal.open()
    a.writers.continuation.set("ses_a", stopped())
    a.writers.tasks.changed("ses_p", () => [task("bg_1")])
    a.writers.continuation.set("ses_q", stopped("stagnation"))
    await a.settle()
    a.crash()

    const b = instance(root)
    await b.journal.open()
    b.journal.start()
    // the parent with tasks comes back at once (its tasks need work); the others at their first event
    expect(b.restored.map(([id, s]) => `${id}/${s}`)).toEqual(["ses_p/tasks"])
    expect(b.journal.inMemory).toBe(1) // ses_p; the others stay on disk until their sessions are back
    b.store.touch("ses_a")
    expect(b.restored.at(-1)).toEqual(["ses_a", "continuation", stopped()])
    b.store.touch("ses_a")
    expect(b.restored).toHaveLength(2) // once per entry
    expect(b.files()).toEqual(["ses_a", "ses_p", "ses_q"].map((s) => `${s}.${b.journal.owner.id}.json`))
    // hooks publish the same state back: no write
    b.writers.continuation.set("ses_a", stopped())
    await b.settle(5_000)
    expect(b.journal.stats.writes).toBe(0)
  })

  test("a prune file is taken over unread at start and read when its session is back", async () => {
    const root = tempRoot()
    const a = instance(root)
    await a.journal.open()
    const pruning = {
      seen: "prt_9",
      decisions: [["prt_1:o", "masked", "left out", undefined]] as Sections["pruning"]["decisions"],
      requests: 3,
      moments: 1,
      charsNotSent: 9,
      dollarsSaved: 0,
    }
    a.writers.pruning.changed("ses_a", () => pruning)
    await a.settle()
    a.crash()
    const b = instance(root)
    await b.journal.open()
    b.journal.start()
    expect(b.files()).toEqual([`ses_a.${b.journal.owner.id}.prune.json`])
    b.store.touch("ses_a")
    expect(b.restored).toEqual([["ses_a", "pruning", pruning]])
    await b.settle(5_000)
    expect(b.journal.stats.writes).toBe(0)
  })

  test("two live instances on one folder write only their own files; one takes the other's over once it is gone", async () => {
    const root = tempRoot()
    const a = instance(root)
    await a.journal.open()
    a.writers.continuation.set("ses_x", stopped("user", 1))
    a.writers.continuation.set("ses_y", stopped("agent", 7))
    await a.settle()
    const b = instance(root)
    await b.journal.open()
    b.journal.start()
    b.store.touch("ses_x")
    expect(b.restored).toEqual([]) // its owner runs: left alone
    // both write, interleaved, many times
    for (let i = 0; i < 20; i++) {
      a.writers.continuation.set("ses_x", stopped("user", 100 + i))
      b.writers.continuation.set("ses_x", stopped("agent", 200 + i))
      await Promise.all([a.settle(), b.settle()])
    }
    const mine = (j: typeof a) => parseJournal(readFileSync(join(j.journal.dir, `ses_x.${j.journal.owner.id}.json`), "utf8"))
    const pa = mine(a)
    const pb = mine(b)
    expect(pa.ok && pa.file.sections.continuation?.sent).toBe(119)
    expect(pb.ok && pb.file.sections.continuation?.sent).toBe(219)
    expect(b.files().filter((f) => !f.endsWith(".json"))).toEqual([])

    a.crash()
    b.store.touch("ses_y") // its first event in b, after a is gone
    expect(b.restored).toEqual([["ses_y", "continuation", stopped("agent", 7)]])
    await b.settle()
    expect(b.files().filter((f) => f.startsWith("ses_y"))).toEqual([`ses_y.${b.journal.owner.id}.json`])
  })

  test("damaged files are reported in one log line and ignored; the others are taken over", async () => {
    const root = tempRoot()
    const a = instance(root)
    await a.journal.open()
    a.writers.continuation.set("ses_good", stopped())
    await a.settle()
    a.crash()
    const dir = a.journal.dir
    const dead = "999999-deadbeef"
    const good = readFileSync(join(dir, `ses_good.${a.journal.owner.id}.json`), "utf8")
    writeFileSync(join(dir, `ses_trunc.${dead}.json`), good.replace("ses_good", "ses_trunc").slice(0, 60))
    writeFileSync(join(dir, `ses_junk.${dead}.json`), "\u0000\u00ff not json")
    writeFileSync(join(dir, `ses_future.${dead}.json`), good.replace("ses_good", "ses_future").replace('"v":1', '"v":2'))
    writeFileSync(join(dir, `ses_deep.${dead}.json`), "[".repeat(50_000))
    writeFileSync(join(dir, `ses_huge.${dead}.json`), `{"x":"${"y".repeat(70 * 1024)}"}`)
    writeFileSync(
      join(dir, `ses_proto.${dead}.json`),
      good
        .replace("ses_good", "ses_proto")
        .replace('"sections":{', '"sections":{"__proto__":{"polluted":1},"constructor":{"x":1},'),
    )
    mkdirSync(join(dir, `ses_dir.${dead}.json`))
    writeFileSync(join(dir, "unrelated.txt"), "not ours")

    const b = instance(root)
    await b.journal.open()
    b.journal.start()
    const warned = b.warnings()
    expect(warned).toHaveLength(1)
    for (const name of ["ses_trunc", "ses_junk", "ses_future", "ses_deep", "ses_huge"]) expect(warned[0]!.message).toContain(name)
    expect(warned[0]!.message).toContain("version 2 is newer")
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    for (const s of ["ses_good", "ses_proto", "ses_trunc"]) b.store.touch(s)
    expect(b.restored.map(([id]) => id)).toEqual(["ses_good", "ses_proto"])
    expect(existsSync(join(dir, "unrelated.txt"))).toBe(true)
  })

  test("a session that left the store and comes back gets its sections again from its own file", async () => {
    const a = instance(tempRoot())
    await a.journal.open()
    a.journal.start()
    a.store.touch("ses_a")
    a.writers.continuation.set("ses_a", stopped())
    await a.settle()
    await a.clock.advance(61_000)
    a.store.sweep() // expired from the store: its state is gone, its file stays
    expect(a.store.has("ses_a")).toBe(false)
    a.store.touch("ses_a")
    expect(a.restored).toEqual([["ses_a", "continuation", stopped()]])
  })
})

describe("the journal: sessions the store let go", () => {
  test("a write for a session only on disk keeps what its file held, and the session still gets it all back", async () => {
    const a = instance(tempRoot())
    await a.journal.open()
    a.journal.start()
    a.store.touch("ses_a")
    a.writers.continuation.set("ses_a", stopped())
    await a.settle()
    await a.clock.advance(61_000)
    a.store.sweep() // the parent waits for a long task: its entry expires
    await a.settle()
    a.writers.tasks.changed("ses_a", () => [task("bg_1", "completed")], true) // the task ends meanwhile
    await a.settle(0)
    const p = parseJournal(readFileSync(join(a.journal.dir, `ses_a.${a.journal.owner.id}.json`), "utf8"))
    expect(p.ok && Object.keys(p.file.sections).sort()).toEqual(["continuation", "tasks"])
    a.store.touch("ses_a")
    expect(a.restored.map(([, s]) => s).sort()).toEqual(["continuation", "tasks"])
  })
})

describe("the journal: removal and bounds", () => {
  test("a deleted session's files go, its own and those of a gone owner", async () => {
    const root = tempRoot()
    const a = instance(root)
    await a.journal.open()
    a.writers.continuation.set("ses_a", stopped())
    await a.settle()
    a.crash()
    const b = instance(root)
    await b.journal.open()
    b.journal.start()
    b.store.touch("ses_a")
    b.writers.continuation.set("ses_a", stopped("agent"))
    await b.settle()
    b.store.delete("ses_a")
    await b.journal.flush()
    expect(b.files()).toEqual([])
  })

  test("a session deleted after the store had let it go: its files go too", async () => {
    const root = tempRoot()
    const a = instance(root)
    await a.journal.open()
    a.writers.continuation.set("ses_a", stopped())
    await a.settle()
    a.crash()
    const b = instance(root)
    await b.journal.open()
    b.journal.start()
    expect(b.files()).toHaveLength(1)
    b.journal.sessionDeleted("ses_a")
    await b.journal.idle()
    expect(b.files()).toEqual([])
  })

  test("other projects' journal files past their time go a while after the start; nothing else is touched", async () => {
    const root = tempRoot()
    const other = join(root, "another-project")
    mkdirSync(other)
    const old = join(other, "ses_old.999999-deadbeef.json")
    const young = join(other, "ses_young.999999-deadbeef.prune.json")
    const notOurs = join(other, "notes.txt")
    for (const f of [old, young, notOurs]) writeFileSync(f, "x")
    const longAgo = (1_700_000_000_000 - WEEK - 60_000) / 1000
    utimesSync(old, longAgo, longAgo)
    utimesSync(notOurs, longAgo, longAgo)
    const b = instance(root, {}, Date.now())
    await b.journal.open()
    b.journal.start()
    await b.clock.advance(10_000)
    await b.journal.idle()
    expect(readdirSync(other).sort()).toEqual(["notes.txt", "ses_young.999999-deadbeef.prune.json"])
  })

  test("files not changed for ttlMs are removed at start; own ones by the sweep once their session has left the store", async () => {
    const root = tempRoot()
    const a = instance(root, { ttlMs: 3_600_000 })
    await a.journal.open()
    a.writers.continuation.set("ses_old", stopped())
    await a.settle()
    a.crash()
    const b = instance(root, { ttlMs: 3_600_000 }, 1_700_000_000_000 + 2 * 3_600_000)
    await b.journal.open()
    expect(b.files()).toEqual([])
    expect(b.journal.stats.removed).toBe(1)

    b.store.touch("ses_new")
    b.writers.continuation.set("ses_new", stopped())
    await b.settle()
    await b.clock.advance(3_600_000 + 61_000)
    b.journal.sweep()
    expect(b.files()).toHaveLength(1) // still in the store (no sweep of the store yet)
    b.store.sweep()
    b.journal.sweep()
    await b.journal.flush()
    expect(b.files()).toEqual([])
  })

  test("at most maxSessions per project: the least recently written go first", async () => {
    const a = instance(tempRoot(), { maxSessions: 3 }, undefined, 2)
    await a.journal.open()
    a.journal.start()
    for (let i = 1; i <= 5; i++) {
      a.store.touch(`ses_${i}`)
      a.writers.continuation.set(`ses_${i}`, stopped())
      await a.settle()
    }
    expect(a.files().map((f) => f.split(".")[0])).toEqual(["ses_3", "ses_4", "ses_5"])
  })

  test("a record written by a newer format is never overwritten or removed while it is young", async () => {
    const root = tempRoot()
    const a = instance(root)
    await a.journal.open()
    const name = `ses_n.999999-deadbeef.json`
    const body = encodeJournal({
      session: "ses_n",
      owner: { id: "999999-deadbeef", pid: 999999, host: "h" },
      writtenAt: a.clock.now(),
      sections: {},
    }).replace('"v":1', '"v":3')
    writeFileSync(join(a.journal.dir, name), body)
    const b = instance(root)
    await b.journal.open()
    expect(readFileSync(join(b.journal.dir, name), "utf8")).toBe(body)
  })
})
