/**
 * The journal's records in memory and their writes: what each session's file should hold,
 * whether it changed since the last write, one debounce timer for all of them, and the
 * bounds (bytes per session, sessions per project, age).
 */
import { encodeJournal, type JournalFile, type WriterInfo } from "./format"
import { fileName, remove, writeAtomic } from "./files"
import type { SessionStore } from "../cache/session-store"
import type { Clock } from "../runtime/clock"
import type { Logger } from "../runtime/log"
import type { TimerOwner } from "../runtime/timers"
import type { Adopted, ForeignFile } from "./scan"
import type { SectionName, Sections } from "./types"

export interface JournalConfig {
  enabled: boolean
  root: string
  project: string
  writeDelayMs: number
  ttlMs: number
  maxSessions: number
  maxSessionBytes: number
}

export interface JournalDeps {
  clock: Clock
  timers: TimerOwner
  store: SessionStore
  logger: Logger
  /** tests: another process's identity, and who is alive */
  owner?: WriterInfo
  alive?: (owner: Partial<WriterInfo> & Pick<WriterInfo, "id" | "pid">) => boolean
}

export interface Record_ {
  id: string
  sections: Partial<Sections>
  /** large sections whose writer said they changed: taken at the next write */
  lazy: Map<SectionName, () => unknown>
  /** small sections as last set, in canonical JSON: an equal value changes nothing */
  compare: Map<SectionName, string>
  /** the sections' JSON as this instance last wrote it (or took it over) */
  lastBody: string | undefined
  dirty: boolean
  /** its sections were handed back to the hooks */
  restored: boolean
  /** the store dropped the session: the record goes once written */
  detached: boolean
  /** files taken over for this session, removed once this instance's file holds them */
  claims: string[]
}

/** JSON with sorted keys: the same value, however its object was built, gives the same text. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? "null" : canonical(x))).join(",")}]`
  if (v && typeof v === "object") {
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    return `{${keys
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`
  }
  return JSON.stringify(v) ?? "null"
}

const MAX_FAILURES = 5

export class Records {
  private readonly live = new Map<string, Record_>()
  /** this instance's files on disk */
  private readonly mine = new Map<string, { writtenAt: number; bytes: number }>()
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
  ) {}

  get files(): number {
    return this.mine.size
  }

  get bytesOnDisk(): number {
    let b = 0
    for (const f of this.mine.values()) b += f.bytes
    return b
  }

  private fresh(id: string, sections: Partial<Sections> = {}, restored = true): Record_ {
    const rec: Record_ = {
      id,
      sections,
      lazy: new Map(),
      compare: new Map(),
      lastBody: undefined,
      dirty: false,
      restored,
      detached: false,
      claims: [],
    }
    for (const [k, v] of Object.entries(sections)) rec.compare.set(k as SectionName, canonical(v))
    this.live.set(id, rec)
    return rec
  }

  adopt(id: string, a: Adopted): void {
    const rec = this.fresh(id, a.sections, false)
    rec.claims = a.claims
    this.stats.adopted++
    if (a.ownName) this.mine.set(id, { writtenAt: a.writtenAt, bytes: 0 })
    if (a.ownName && a.claims.length === 0) rec.lastBody = JSON.stringify(a.sections)
    else this.markDirty(rec, false)
  }

  /** Our own file, read back for a session the store had dropped. */
  adoptOwn(id: string, file: JournalFile): Record_ {
    const rec = this.fresh(id, file.sections)
    rec.lastBody = JSON.stringify(file.sections)
    return rec
  }

  merge(id: string, took: Array<{ file: JournalFile; claim: string }>, into: (a: Adopted, f: JournalFile) => void): Record_ {
    const rec = this.live.get(id) ?? this.fresh(id)
    this.materialize(rec)
    const a: Adopted = { sections: rec.sections, writtenAt: 0, ownName: undefined, claims: [] }
    for (const t of took) {
      into(a, t.file)
      rec.claims.push(t.claim)
    }
    rec.sections = a.sections
    this.stats.adopted += took.length
    this.markDirty(rec, false)
    return rec
  }

  /** A record whose sections are still to be handed back (taken over at start, or kept past its entry). */
  pending(id: string): Record_ | undefined {
    const rec = this.live.get(id)
    if (!rec || (rec.restored && !rec.detached)) return undefined
    rec.restored = true
    rec.detached = false
    return rec
  }

  onDisk(id: string): boolean {
    return this.mine.has(id) && !this.live.has(id)
  }

  withTasks(): string[] {
    return [...this.live.values()].filter((r) => !r.restored && r.sections.tasks?.length).map((r) => r.id)
  }

  /** While a session's sections are handed back, small values set are held: only the last of each counts. */
  private held: { id: string; values: Map<SectionName, unknown> } | undefined

  hold(id: string): void {
    this.held = { id, values: new Map() }
  }

  release(): void {
    const held = this.held
    this.held = undefined
    for (const [section, value] of held?.values ?? []) this.set(held!.id, section, value as never)
  }

  set<K extends SectionName>(id: string, section: K, value: Sections[K] | undefined): void {
    if (this.held?.id === id) {
      this.held.values.set(section, value)
      return
    }
    const rec = this.live.get(id) ?? this.fresh(id)
    const text = value === undefined ? "" : canonical(value)
    if ((rec.compare.get(section) ?? "") === text && !rec.lazy.has(section)) return
    rec.compare.set(section, text)
    rec.lazy.delete(section)
    if (value === undefined) delete rec.sections[section]
    else rec.sections[section] = value
    this.markDirty(rec, false)
  }

  changed<K extends SectionName>(id: string, section: K, snapshot: () => Sections[K] | undefined, urgent: boolean): void {
    const rec = this.live.get(id) ?? this.fresh(id)
    rec.lazy.set(section, snapshot)
    rec.compare.delete(section)
    this.markDirty(rec, urgent)
  }

  private markDirty(rec: Record_, urgent: boolean): void {
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

  private materialize(rec: Record_): void {
    for (const [section, snapshot] of rec.lazy) {
      let value: unknown
      try {
        value = snapshot()
      } catch (err) {
        this.deps.logger.hookError("journal", `snapshot ${section}`, err)
        continue
      }
      if (value === undefined) delete rec.sections[section]
      else (rec.sections as Record<string, unknown>)[section] = value
    }
    rec.lazy.clear()
  }

  /** The store dropped the session (expired, evicted, or the plugin is going): keep what it had until written. */
  detach(id: string): void {
    const rec = this.live.get(id)
    if (!rec) return
    this.materialize(rec)
    rec.detached = true
    if (!rec.dirty) this.live.delete(id)
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

  async close(): Promise<void> {
    for (const rec of this.live.values()) this.materialize(rec)
    await this.flush()
    this.deps.timers.clear(this.timer)
  }
}
