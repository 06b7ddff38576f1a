/**
 * The journal's records in memory: what each session's file should hold (small sections
 * compared as they are set, large ones taken when written), what was taken over, and what
 * is still to be handed back. ./disk.ts writes them.
 */
import type { JournalConfig, JournalDeps, Record_ } from "./config"
import { DiskWrites } from "./disk"
import type { JournalFile, WriterInfo } from "./format"
import type { Adopted } from "./scan"
import type { SectionName, Sections } from "./types"

export type { Record_ }

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

export class Records {
  private readonly live = new Map<string, Record_>()
  readonly disk: DiskWrites

  constructor(
    config: JournalConfig,
    private readonly deps: JournalDeps,
    dir: string,
    owner: WriterInfo,
  ) {
    this.disk = new DiskWrites(config, deps, dir, owner, this.live, (rec) => this.materialize(rec))
  }

  get stats() {
    return this.disk.stats
  }

  /** Sessions whose record is held in memory (the others are only on disk). */
  get inMemory(): number {
    return this.live.size
  }

  private fresh(id: string, sections: Partial<Sections> = {}, restored = true): Record_ {
    const rec: Record_ = {
      id,
      sections,
      lazy: new Map(),
      compare: new Map(),
      lastMain: undefined,
      lastPrune: undefined,
      prune: this.disk.mine.get(id)?.prune !== undefined ? "unknown" : "loaded",
      dirty: false,
      restored,
      detached: false,
      claims: [],
    }
    for (const [k, v] of Object.entries(sections)) rec.compare.set(k as SectionName, canonical(v))
    this.live.set(id, rec)
    return rec
  }

  /**
   * A session taken over at start. Its files are now this instance's own: when nothing was
   * merged, nothing is kept in memory (they are read when the session comes back); the ids of
   * those with background tasks are kept, for the start.
   */
  adopt(id: string, a: Adopted): void {
    this.stats.adopted++
    // Sizes unknown until written again; 0 marks that the file is there.
    this.disk.mine.set(id, { writtenAt: a.writtenAt, main: a.main ? 0 : undefined, prune: a.prune !== undefined ? 0 : undefined })
    // Tasks that need work now (queued, running, or not told yet) bring their session back at the start.
    if (a.sections.tasks?.some((t) => t.status === "queued" || t.status === "running" || !t.told)) this.tasksAtStart.add(id)
    if (a.claims.length === 0) return
    // Several files merged: written as one soon, then forgotten until the session is back.
    const rec = this.fresh(id, a.sections, false)
    rec.claims = a.claims
    rec.detached = true
    this.disk.markDirty(rec, false)
  }

  /** Our own main file, read back for a session coming back (or its prune file alone). */
  adoptOwn(id: string, file: JournalFile | undefined, restored = true): Record_ {
    const rec = this.fresh(id, file?.sections ?? {}, restored)
    rec.lastMain = file ? JSON.stringify(file.sections) : undefined
    return rec
  }

  /** The prune file's section, read when its session comes back. */
  loadPrune(rec: Record_, file: JournalFile | undefined): void {
    rec.prune = "loaded"
    if (!file?.sections.pruning) return
    if (!rec.lazy.has("pruning")) rec.sections.pruning = file.sections.pruning
    rec.lastPrune = JSON.stringify({ pruning: file.sections.pruning })
  }

  merge(id: string, took: Array<{ file: JournalFile; claim: string }>, into: (a: Adopted, f: JournalFile) => void): Record_ {
    const rec = this.live.get(id) ?? this.fresh(id)
    this.materialize(rec)
    const a: Adopted = { sections: rec.sections, writtenAt: 0, main: false, prune: undefined, claims: [] }
    for (const t of took) {
      into(a, t.file)
      rec.claims.push(t.claim)
    }
    rec.sections = a.sections
    this.stats.adopted += took.length
    this.disk.markDirty(rec, false)
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
    return this.disk.mine.has(id) && !this.live.has(id)
  }

  /** Sessions taken over at start with background tasks that need work (they are brought back at once). */
  private readonly tasksAtStart = new Set<string>()

  withTasks(): string[] {
    const ids = [...this.tasksAtStart]
    this.tasksAtStart.clear()
    return ids
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
    this.disk.markDirty(rec, false)
  }

  changed<K extends SectionName>(id: string, section: K, snapshot: () => Sections[K] | undefined, urgent: boolean): void {
    const rec = this.live.get(id) ?? this.fresh(id)
    if (section === "pruning") rec.prune = "loaded" // the writer's own state replaces the file's
    rec.lazy.set(section, snapshot)
    rec.compare.delete(section)
    this.disk.markDirty(rec, urgent)
  }

  materialize(rec: Record_): void {
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

  async close(): Promise<void> {
    for (const rec of this.live.values()) this.materialize(rec)
    await this.disk.flush()
    this.disk.stop()
  }
}
