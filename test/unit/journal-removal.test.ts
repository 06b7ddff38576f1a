import { describe, expect, test } from "bun:test"
import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { encodeJournal } from "../../src/journal/format"
import { instance, stopped, tempRoot, WEEK } from "../helpers/journal-instance"

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
