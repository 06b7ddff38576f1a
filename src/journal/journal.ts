/**
 * The journal: the durable record of what a restart must not lose, per session, written
 * from the facts the hooks already keep. Each section has one writer hook, which publishes
 * through a SectionWriter and gets its section back once, when the session's entry is
 * created (its first event after a start, or after the store had dropped it).
 *
 * One file per session and plugin instance (./files.ts names them, ./format.ts is the
 * format): written atomically at most `writeDelayMs` after a change (one unref()'d timer on
 * the plugin's clock, none while nothing changed), never when the content is unchanged;
 * removed when the session is deleted or has not changed for `ttlMs`; at most `maxSessions`
 * per project and `maxSessionBytes` each. Files of an instance that is gone are taken over
 * (./scan.ts); files of one still running are never written by another.
 */
import { join } from "node:path"
import type { SessionEntry } from "../cache/session-entry"
import type { JournalConfig, JournalDeps } from "./config"
import type { JournalFile, WriterInfo } from "./format"
import { projectDirName, realDir } from "./files"
import { currentOwner, ownerAlive, registerOwner, unregisterOwner } from "./owner"
import { Records } from "./records"
import { type Restore, Restorer } from "./restore"
import { expireAll, scanProject } from "./scan"
import type { SectionName, Sections } from "./types"

/** How a hook publishes its section: `set` for small values (compared at once), `changed` for large ones it knows changed. */
export interface SectionWriter<K extends SectionName> {
  set(sessionID: string, value: Sections[K] | undefined): void
  /** `snapshot` runs at the next write; `urgent`: write now (a notice was delivered), not after the delay */
  changed(sessionID: string, snapshot: () => Sections[K] | undefined, urgent?: boolean): void
}

/** Other projects' expired files are looked for this long after the start. */
const EXPIRE_ALL_AFTER_MS = 10_000

export class Journal {
  readonly dir: string
  readonly owner: WriterInfo
  private readonly records: Records
  private readonly restorer: Restorer
  private problems: string[] = []
  private afterStart: Array<() => void> = []
  private ready = false
  private off: boolean
  private readonly alive: NonNullable<JournalDeps["alive"]>

  constructor(
    readonly config: JournalConfig,
    private readonly deps: JournalDeps,
  ) {
    this.owner = deps.owner ?? currentOwner()
    this.alive = deps.alive ?? ((o) => ownerAlive(o, this.owner))
    this.dir = join(config.root, projectDirName(config.project))
    this.off = !config.enabled
    this.records = new Records(config, deps, this.dir, this.owner)
    this.restorer = new Restorer(
      this.records,
      { dir: this.dir, me: this.owner, maxBytes: config.maxSessionBytes, alive: this.alive },
      deps,
    )
    if (this.off) return
    registerOwner(this.owner.id)
    deps.store.onCreate((entry) => this.entryCreated(entry))
    deps.store.onRemove((entry, reason) => {
      if (reason === "deleted") this.sessionDeleted(entry.id)
      else this.records.detach(entry.id)
    })
  }

  get stats() {
    return this.records.stats
  }

  /** Sessions whose record is in memory; those taken over at start stay on disk until they are back. */
  get inMemory(): number {
    return this.records.inMemory
  }

  get enabled(): boolean {
    return !this.off
  }

  /** Reads the project's folder (bounded); the plugin waits for it before it builds the hooks. Never rejects. */
  async open(): Promise<void> {
    try {
      await this.scan()
    } catch (err) {
      this.giveUp(`reading its folder failed: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  /** The folder cannot be used (too slow, unreadable): this instance keeps no journal; the files stay. */
  giveUp(reason: string): void {
    if (this.off) return
    this.off = true
    this.problems.push(`${this.dir}: ${reason}; no journal in this process`)
    unregisterOwner(this.owner.id)
  }

  private async scan(): Promise<void> {
    if (this.off) return
    if (!(await realDir(this.dir, this.config.root))) {
      this.off = true
      this.problems.push(`${this.dir} is not a folder the journal can use (a link, or not writable): no journal`)
      return
    }
    const scan = await scanProject({
      dir: this.dir,
      me: this.owner,
      now: this.deps.clock.now(),
      ttlMs: this.config.ttlMs,
      maxSessions: this.config.maxSessions,
      maxBytes: this.config.maxSessionBytes,
      alive: this.alive,
    })
    if (this.off) return // given up while it read
    this.restorer.foreign = scan.foreign
    this.problems.push(...scan.problems)
    this.records.stats.removed += scan.removed
    for (const [session, a] of scan.adopted) this.records.adopt(session, a)
  }

  /** Claims a section: one writer per section, and how it takes its value back. */
  writer<K extends SectionName>(section: K, restore: Restore<K>): SectionWriter<K> {
    this.restorer.claim(section, restore)
    return {
      set: (id, value) => {
        if (this.off) return
        this.restorer.loadBeforeWrite(id)
        this.records.set(id, section, value)
      },
      changed: (id, snapshot, urgent) => {
        if (this.off) return
        this.restorer.loadBeforeWrite(id)
        this.records.changed(id, section, snapshot, urgent === true)
      },
    }
  }

  /**
   * The first event: the server is up. Reports what was wrong in the folder (one line), runs
   * what waited for the server (a restored task's notice or resume), then brings back the
   * sessions with background tasks (they need work now, not at their next event).
   */
  start(): void {
    if (this.ready) return
    this.ready = true
    if (this.problems.length > 0) {
      const shown = this.problems.slice(0, 5).join("; ")
      const more = this.problems.length > 5 ? `; and ${this.problems.length - 5} more` : ""
      this.deps.logger.log("warn", `journal: ignored what it could not use in ${this.dir}: ${shown}${more}`)
      this.problems = []
    }
    for (const fn of this.afterStart.splice(0)) this.guard("after start", fn)
    if (this.off) return
    for (const id of this.records.withTasks()) this.deps.store.touch(id)
    // Off the start's path: what other projects' folders hold past its time goes.
    this.deps.timers.setTimeout(
      () =>
        this.records.disk.serial(async () => {
          this.records.stats.removed += await expireAll(this.config.root, this.deps.clock.now(), this.config.ttlMs)
        }),
      EXPIRE_ALL_AFTER_MS,
    )
  }

  /** Runs fn once OpenCode's server is up (its first event): client calls made before that can stall. */
  whenStarted(fn: () => void): void {
    if (this.ready) this.guard("after start", fn)
    else this.afterStart.push(fn)
  }

  private guard(where: string, fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.deps.logger.hookError("journal", where, err)
    }
  }

  /** A session's entry was made: its sections go back to their writers first (no client call in it). */
  private entryCreated(entry: SessionEntry): void {
    this.restorer.restore(entry)
  }

  /** session.deleted, whether the store still had the session or not: its files go, ours and those of owners that are gone. */
  sessionDeleted(id: string): void {
    if (this.off) return
    this.records.disk.removeSession(id, this.restorer.foreign.get(id) ?? [], this.alive)
    this.restorer.foreign.delete(id)
  }

  /** The plugin's sweep: own files not changed for ttlMs go. */
  sweep(): void {
    if (!this.off) this.records.disk.expire((id) => this.deps.store.has(id))
  }

  /** Resolves when the writes under way are done, without writing anything early (tests, bench). */
  idle(): Promise<void> {
    return this.records.disk.idle()
  }

  /** A write is waiting for its delay (the bench checks an idle minute has none). */
  get writeScheduled(): boolean {
    return this.records.disk.scheduled
  }

  /** Files this instance has on disk, and their bytes. */
  get disk(): { files: number; bytes: number } {
    return { files: this.records.disk.files, bytes: this.records.disk.bytesOnDisk }
  }

  /** Writes what is pending now (tests, bench). */
  flush(): Promise<void> {
    return this.records.disk.flush()
  }

  /** Dispose: the last changes are written; the files stay for the next start. */
  async close(): Promise<void> {
    if (this.off) return
    this.off = true
    await this.records.close()
    unregisterOwner(this.owner.id)
  }
}

export type { JournalConfig, JournalDeps, JournalFile }
