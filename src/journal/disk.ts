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

/** This instance's files of one session: bytes of each (undefined: no such file). */
export interface OnDisk {
  writtenAt: number
  main: number | undefined
  prune: number | undefined
}

export class DiskWrites {
  /** this instance's files on disk, per session: its main file, its prune file */
  readonly mine = new Map<string, OnDisk>()
  private timer: ReturnType<JournalDeps["timers"]["setTimeout"]>
  private timerAt = 0
  private chain: Promise<void> = Promise.resolve()
  private seq = 0
  private failures = 0
  readonly stats = { writes: 0, bytes: 0, unchanged: 0, removed: 0, adopted: 0, failures: 0 }

  constructor(
    private readonly config: JournalConfig,
    private readonly deps: JournalDeps,
    private readonly dir: string,
    private readonly owner: WriterInfo,
    private readonly live: Map<string, Record_>,
    private readonly materialize: (rec: Record_) => void,
  ) {}

  get scheduled(): boolean {
    return this.timer !== undefined
  }

  get files(): number {
    return this.mine.size
  }

  get bytesOnDisk(): number {
    let b = 0
    for (const f of this.mine.values()) b += (f.main ?? 0) + (f.prune ?? 0)
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

  /** Runs op after the writes and removals queued before it (idle() waits for it too). */
  serial(op: () => Promise<void>): void {
    this.chain = this.chain.then(op).catch((err) => this.deps.logger.hookError("journal", "remove", err))
  }

  private async writeAll(): Promise<void> {
    for (const rec of [...this.live.values()]) if (rec.dirty) await this.writeOne(rec)
    this.enforceCount()
  }

  /**
   * Writes what changed of one session: its main file (every section but the pruner's) and
   * its prune file, each only when its content changed, so a bill that changes at every step
   * does not rewrite the prune decisions. Within maxSessionBytes for both: over it, prune
   * decisions go first, then queued prompts.
   */
  private async writeOne(rec: Record_): Promise<void> {
    rec.dirty = false
    this.materialize(rec)
    const now = this.deps.clock.now()
    const { pruning, ...main } = rec.sections
    let mainBody = JSON.stringify(main)
    let pruneBody = rec.prune === "unknown" ? undefined : pruning ? JSON.stringify({ pruning }) : ""
    const text = (body: string, sections: Partial<Sections>) =>
      encodeJournal({ session: rec.id, owner: this.owner, writtenAt: now, sections }, body)
    let mainText = text(mainBody, main)
    let pruneText = pruneBody ? text(pruneBody, { pruning }) : ""
    const max = this.config.maxSessionBytes
    const size = () => Buffer.byteLength(mainText) + Buffer.byteLength(pruneText)
    if (size() > max) {
      pruneBody = ""
      pruneText = ""
      if (size() > max && main.tasks) {
        const lean = { ...main, tasks: main.tasks.map((t) => ({ ...t, prompt: undefined })) }
        mainBody = JSON.stringify(lean)
        mainText = text(mainBody, lean)
      }
      this.oversized(rec.id, size() <= max)
      if (size() > max) mainBody = "{}"
    }
    const on: OnDisk = { ...(this.mine.get(rec.id) ?? { writtenAt: now, main: undefined, prune: undefined }) }
    const put = async (part: "main" | "prune", body: string, last: string | undefined, contents: string) => {
      const name = fileName(rec.id, this.owner.id, part)!
      const exists = on[part] !== undefined
      if (body === "{}" || body === "") {
        if (exists) await remove(this.dir, name)
        on[part] = undefined
        return true
      }
      if (body === last && exists && (part === "prune" || rec.claims.length === 0)) {
        this.stats.unchanged++
        return true
      }
      try {
        const bytes = await writeAtomic(this.dir, name, contents, ++this.seq)
        this.failures = 0
        this.stats.writes++
        this.stats.bytes += bytes
        on.writtenAt = now
        on[part] = bytes
        return true
      } catch (err) {
        this.stats.failures++
        this.deps.logger.hookError("journal", "write", err)
        // A folder that refuses every write is not retried forever.
        if (++this.failures < MAX_FAILURES) this.markDirty(rec, false)
        return false
      }
    }
    if (!(await put("main", mainBody, rec.lastMain, mainText))) return
    rec.lastMain = mainBody
    if (pruneBody !== undefined) {
      if (!(await put("prune", pruneBody, rec.lastPrune, pruneText))) return
      rec.lastPrune = pruneBody
    }
    for (const c of rec.claims.splice(0)) await remove(this.dir, c)
    // Removed meanwhile (deleted, over the bounds): the removal queued behind this write takes the files.
    if (this.live.get(rec.id) === rec) {
      if (on.main !== undefined || on.prune !== undefined) this.mine.set(rec.id, on)
      else this.mine.delete(rec.id)
    }
    if (rec.detached && !rec.dirty && this.live.get(rec.id) === rec) this.live.delete(rec.id)
  }

  private readonly oversize = new Set<string>()

  private oversized(id: string, fits: boolean): void {
    if (this.oversize.has(id)) return
    this.oversize.add(id)
    this.deps.logger.log(
      "warn",
      `journal: session ${id} needs more than journal_max_session_bytes (${this.config.maxSessionBytes}); ${fits ? "its prune decisions are left out (after a restart pruning starts afresh)" : "it is not journaled"}`,
    )
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
    for (const part of ["main", "prune"] as const) {
      const name = fileName(id, this.owner.id, part)
      if (name) this.serial(() => remove(this.dir, name))
    }
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
