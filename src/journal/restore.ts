/**
 * Handing each session's sections back to their writers, once per entry: what was taken over
 * at start, this instance's own files when a session comes back, or the files of another
 * owner that has gone since the start.
 */
import { join } from "node:path"
import type { SessionEntry } from "../cache/session-entry"
import type { JournalDeps, Record_ } from "./config"
import { type JournalFile, parseJournal } from "./format"
import { fileName, readBoundedSync } from "./files"
import type { Records } from "./records"
import { adoptLate, type ForeignFile, mergeInto, type ScanInput } from "./scan"
import type { SectionName, Sections } from "./types"

export type Restore<K extends SectionName> = (entry: SessionEntry, value: Sections[K]) => void

export class Restorer {
  private readonly restorers = new Map<SectionName, Restore<SectionName>>()
  private readonly restored = new WeakSet<SessionEntry>()
  /** files of owners that were alive at start, by session */
  foreign = new Map<string, ForeignFile[]>()

  constructor(
    private readonly records: Records,
    private readonly where: Pick<ScanInput, "dir" | "me" | "maxBytes" | "alive">,
    private readonly deps: Pick<JournalDeps, "logger">,
  ) {}

  /**
   * A writer publishes for a session whose record is only on disk (the store had let it go, and
   * a task of it ended meanwhile): the file is read first, so the write keeps what it held; its
   * sections are still handed back when the session's entry is made.
   */
  loadBeforeWrite(id: string): void {
    if (this.records.onDisk(id)) this.records.adoptOwn(id, this.readOwn(id, "main"), false)
  }

  /** One writer per section. */
  claim<K extends SectionName>(section: K, restore: Restore<K>): void {
    if (this.restorers.has(section)) throw new Error(`journal section ${section} already has a writer`)
    this.restorers.set(section, restore as unknown as Restore<SectionName>)
  }

  /** Gives each writer its section back, once per entry. */
  restore(entry: SessionEntry): void {
    if (this.restored.has(entry) || entry.isReleased) return
    this.restored.add(entry)
    const rec = this.recordToRestore(entry.id)
    if (!rec) return
    // A hook putting its state back publishes it again: unchanged, that is no change to write.
    this.records.hold(entry.id)
    try {
      for (const [name, value] of Object.entries(rec.sections) as Array<[SectionName, Sections[SectionName]]>) {
        const restore = this.restorers.get(name)
        if (!restore || value === undefined) continue
        try {
          restore(entry, value)
        } catch (err) {
          this.deps.logger.hookError("journal", `restore ${name}`, err)
        }
      }
    } finally {
      this.records.release()
    }
  }

  /** What there is to restore for a session: taken over at start, its own files, or another owner's now gone. */
  private recordToRestore(id: string): Record_ | undefined {
    let rec = this.records.pending(id)
    // The session is back (after a start, or after the store had dropped it): our own small files, read once.
    if (!rec && this.records.onDisk(id)) rec = this.records.adoptOwn(id, this.readOwn(id, "main"))
    const others = this.foreign.get(id)
    if (others) {
      const late = adoptLate(this.where, others)
      if (late.left.length) this.foreign.set(id, late.left)
      else this.foreign.delete(id)
      if (late.took.length) rec = this.records.merge(id, late.took, mergeInto)
      if (late.prune) {
        rec ??= this.records.adoptOwn(id, undefined)
        rec.prune = "unknown"
      }
    }
    if (rec?.prune === "unknown") this.records.loadPrune(rec, this.readOwn(id, "prune"))
    return rec
  }

  private readOwn(id: string, part: "main" | "prune"): JournalFile | undefined {
    const name = fileName(id, this.where.me.id, part)
    if (!name) return undefined
    const read = readBoundedSync(join(this.where.dir, name), this.where.maxBytes)
    if (!("text" in read)) return undefined
    const parsed = parseJournal(read.text)
    if (parsed.ok && parsed.file.session === id) return parsed.file
    this.deps.logger.log("warn", `journal: ignored ${name}: ${parsed.ok ? "it names another session" : parsed.problem}`)
    return undefined
  }
}
