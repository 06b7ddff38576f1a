import { describe, expect, test } from "bun:test"
import { lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { parseJournal } from "../../src/journal/format"
import type { Sections } from "../../src/journal/types"
import { instance, stopped, task, tempRoot } from "../helpers/journal-instance"

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
