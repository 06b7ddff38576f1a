/**
 * The journal's writes: this instance's files on disk, one debounce timer for all sessions,
 * the atomic writes themselves (skipped when the content is unchanged), and the bounds:
 * bytes per session, sessions per project, age.
 */
import { encodeJournal, type WriterInfo } from "./format"
import { fileName, remove, writeAtomic } from "./files"
import type { JournalConfig, JournalDeps, Record_ } from "./config"
import type { ForeignFile } from "./scan"
import type { Sections } from "./types"

const MAX_FAILURES = 5

export class DiskWrites {
  /** this instance's files on disk */
  readonly mine = new Map<string, { writtenAt: number; bytes: number }>()
  private timer: ReturnType<JournalDeps["timers"]["setTimeout"]>
  private timerAt = 0
  private chain: Promise<void> = Promise.resolve()
  private seq = 0
  private failures = 0
  private readonly oversized = new Set<string>()
  readonly stats = { writes: 0, bytes: 0, unchanged: 0, removed: 0, adopted: 0, failures: 0 }

  constructor(
    private readonly config: JournalConfig,
    private readonly deps: JournalDeps,
    private readonly dir: string,
    private readonly owner: WriterInfo,
    private readonly live: Map<string, Record_>,
    private readonly materialize: (rec: Record_) => void,
  ) {}

  get files(): number {
    return this.mine.size
  }

  get bytesOnDisk(): number {
    let b = 0
    for (const f of this.mine.values()) b += f.bytes
    return b
  }

  markDirty(rec: Record_, urgent: boolean): void {
    rec.dirty = true
    const ms = urgent ? 0 : this.config.writeDelayMs
    const due = this.deps.clock.now() + ms
    if (this.timer && this.timerAt <= due) return
    this.deps.timers.clear(this.timer)
    this.timerAt = due
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = undefined
      void this.flush()
    }, ms)
  }

  /** Resolves once the writes and removals already under way are done (writes nothing itself). */
  async idle(): Promise<void> {
    for (let seen: Promise<void> | undefined; seen !== this.chain; ) {
      seen = this.chain
      await seen
    }
  }

  /** Writes what changed now; resolves once every write and removal queued so far is done. */
  async flush(): Promise<void> {
    this.deps.timers.clear(this.timer)
    this.timer = undefined
    const run = this.chain.then(() => this.writeAll())
    this.chain = run.catch((err) => this.deps.logger.hookError("journal", "write", err))
    for (let seen: Promise<void> | undefined; seen !== this.chain; ) {
      seen = this.chain
      await seen
    }
  }

  private serial(op: () => Promise<void>): void {
    this.chain = this.chain.then(op).catch((err) => this.deps.logger.hookError("journal", "remove", err))
  }

  private async writeAll(): Promise<void> {
    for (const rec of [...this.live.values()]) if (rec.dirty) await this.writeOne(rec)
    this.enforceCount()
  }

  private async writeOne(rec: Record_): Promise<void> {
    rec.dirty = false
    this.materialize(rec)
    const name = fileName(rec.id, this.owner.id)
    if (!name) return
    const [body, text] = this.encode(rec)
    if (body === "{}" || text === undefined) {
      if (this.mine.delete(rec.id)) await remove(this.dir, name)
    } else if (body === rec.lastBody && rec.claims.length === 0) {
      this.stats.unchanged++
    } else {
      try {
        const bytes = await writeAtomic(this.dir, name, text, ++this.seq)
        this.failures = 0
        this.stats.writes++
        this.stats.bytes += bytes
        // Removed meanwhile (deleted, over the bounds): the removal queued behind this write takes the file.
        if (this.live.get(rec.id) === rec) this.mine.set(rec.id, { writtenAt: this.deps.clock.now(), bytes })
      } catch (err) {
        this.stats.failures++
        this.deps.logger.hookError("journal", "write", err)
        // A folder that refuses every write is not retried forever.
        if (++this.failures < MAX_FAILURES) this.markDirty(rec, false)
        return
      }
    }
    rec.lastBody = body
    for (const c of rec.claims.splice(0)) await remove(this.dir, c)
    if (rec.detached && !rec.dirty && this.live.get(rec.id) === rec) this.live.delete(rec.id)
  }

  /** The file's text, within maxSessionBytes: over it, prune decisions go first, then queued prompts. */
  private encode(rec: Record_): [string, string | undefined] {
    const file = (sections: Partial<Sections>): [string, string] => {
      const body = JSON.stringify(sections)
      const head = { session: rec.id, owner: this.owner, writtenAt: this.deps.clock.now(), sections }
      return [body, encodeJournal(head, body)]
    }
    let out = file(rec.sections)
    const max = this.config.maxSessionBytes
    if (Buffer.byteLength(out[1]) <= max) return out
    const smaller: Partial<Sections> = { ...rec.sections, pruning: undefined }
    out = file(smaller)
    if (Buffer.byteLength(out[1]) > max && smaller.tasks)
      out = file({ ...smaller, tasks: smaller.tasks.map((t) => ({ ...t, prompt: undefined })) })
    const fits = Buffer.byteLength(out[1]) <= max
    if (!this.oversized.has(rec.id)) {
      this.oversized.add(rec.id)
      this.deps.logger.log(
        "warn",
        `journal: session ${rec.id} needs more than journal_max_session_bytes (${max}); ${fits ? "its prune decisions are left out (after a restart pruning starts afresh)" : "it is not journaled"}`,
      )
    }
    return fits ? out : [out[0], undefined]
  }

  /** Own files beyond maxSessions go, least recently written first (never one of a session in use). */
  private enforceCount(): void {
    const extra = this.mine.size - this.config.maxSessions
    if (extra <= 0) return
    const candidates = [...this.mine.entries()]
      .filter(([id]) => !this.live.has(id) || this.live.get(id)!.detached)
      .sort((a, b) => a[1].writtenAt - b[1].writtenAt)
      .slice(0, extra)
    for (const [id] of candidates) this.drop(id)
  }

  private drop(id: string): void {
    this.mine.delete(id)
    this.live.delete(id)
    this.stats.removed++
    const name = fileName(id, this.owner.id)
    if (name) this.serial(() => remove(this.dir, name))
  }

  /** A deleted session: its files go, ours and those of owners that are gone. */
  removeSession(id: string, foreign: ForeignFile[], alive: (o: ForeignFile["owner"]) => boolean): void {
    const rec = this.live.get(id)
    const claims = rec?.claims ?? []
    this.drop(id)
    for (const c of claims) this.serial(() => remove(this.dir, c))
    for (const f of foreign) if (!alive(f.owner)) this.serial(() => remove(this.dir, f.name))
  }

  /** Own files of sessions not in the store and not changed for ttlMs. */
  expire(inStore: (id: string) => boolean): void {
    const now = this.deps.clock.now()
    for (const [id, f] of [...this.mine.entries()]) if (!inStore(id) && now - f.writtenAt > this.config.ttlMs) this.drop(id)
  }

  stop(): void {
    this.deps.timers.clear(this.timer)
  }
}
