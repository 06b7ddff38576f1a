import { describe, expect, test } from "bun:test"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parseJournal } from "../../src/journal/format"
import type { Sections } from "../../src/journal/types"
import { instance, stopped, task, tempRoot } from "../helpers/journal-instance"

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
