/**
 * What a journal finds in its project's folder at start. Files whose owner is gone are taken
 * over by an atomic rename (of two processes starting at once, only one gets each file): a
 * session's main file becomes this instance's own, or, beside one already taken, a claim to
 * merge into its next write; its prune file (the pruner's decisions, the large part) is taken
 * over unread, the newest one winning, and read only when the session comes back. Files of
 * owners still running are noted, to be taken over at the session's first event if their owner
 * has gone by then. Expired and damaged files are dealt with here. Reads are bounded.
 */
import { renameSync } from "node:fs"
import { lstat } from "node:fs/promises"
import { join } from "node:path"
import { type JournalFile, type WriterInfo, parseJournal } from "./format"
import { claim, fileName, type JournalName, listDirs, listFiles, parseName, readBounded, readBoundedSync, remove } from "./files"
import type { Sections } from "./types"

export type Owner = Partial<WriterInfo> & Pick<WriterInfo, "id" | "pid">

export interface ScanInput {
  dir: string
  me: WriterInfo
  now: number
  ttlMs: number
  maxSessions: number
  maxBytes: number
  alive: (owner: Owner) => boolean
}

/** A session taken over from owners that are gone. */
export interface Adopted {
  sections: Partial<Sections>
  writtenAt: number
  /** this instance now has the session's main file (the first one found, renamed) */
  main: boolean
  /** this instance now has the session's prune file; its time */
  prune: number | undefined
  /** main files taken over beside the first: merged into this instance's next write, then removed */
  claims: string[]
}

export interface ForeignFile {
  name: string
  part: JournalName["part"]
  owner: Owner
}

export interface ScanResult {
  adopted: Map<string, Adopted>
  foreign: Map<string, ForeignFile[]>
  problems: string[]
  removed: number
}

let claimSeq = 0

const ownerOf = (nameOwner: string, known: Map<string, WriterInfo>): Owner =>
  known.get(nameOwner) ?? { id: nameOwner, pid: Number(nameOwner.split("-")[0]) }

/** Newer files win each section; tasks are merged by id (the newer file's copy wins). */
export function mergeInto(target: Adopted, file: JournalFile): void {
  const older = file.writtenAt < target.writtenAt
  for (const [name, value] of Object.entries(file.sections) as Array<[keyof Sections, never]>) {
    if (name === "tasks") {
      const byId = new Map((target.sections.tasks ?? []).map((t) => [t.id, t]))
      for (const t of file.sections.tasks ?? []) if (!older || !byId.has(t.id)) byId.set(t.id, t)
      target.sections.tasks = [...byId.values()]
    } else if (!older || target.sections[name] === undefined) target.sections[name] = value
  }
  target.writtenAt = Math.max(target.writtenAt, file.writtenAt)
}

const adoptedOf = (out: ScanResult, session: string): Adopted => {
  const found = out.adopted.get(session)
  if (found) return found
  const a: Adopted = { sections: {}, writtenAt: 0, main: false, prune: undefined, claims: [] }
  out.adopted.set(session, a)
  return a
}

const noteForeign = (out: ScanResult, session: string, f: ForeignFile) => {
  const list = out.foreign.get(session) ?? []
  list.push(f)
  out.foreign.set(session, list)
}

export async function scanProject(s: ScanInput): Promise<ScanResult> {
  const out: ScanResult = { adopted: new Map(), foreign: new Map(), problems: [], removed: 0 }
  const names = await listFiles(s.dir)
  // A hostile folder could hold any number of files: a bounded number of them is looked at.
  const limit = s.maxSessions * 4
  if (names.length > limit) out.problems.push(`${names.length - limit} files beyond the first ${limit} were not read`)
  const known = new Map<string, WriterInfo>()
  const parsed = names
    .slice(0, limit)
    .map((name) => ({ name, n: parseName(name) }))
    .filter((x): x is { name: string; n: JournalName } => x.n !== undefined) // others are not the journal's: left alone
  const expired = (at: number) => s.now - at > s.ttlMs
  for (const { name, n } of parsed) {
    if (n.kind !== "tmp" || s.alive(ownerOf(n.owner, known))) continue
    await remove(s.dir, name) // a write cut short by its owner's end
    out.removed++
  }
  for (const { name, n } of parsed.filter((x) => x.n.kind !== "tmp" && x.n.part === "main")) {
    const read = await readBounded(join(s.dir, name), s.maxBytes)
    const p = "text" in read ? parseJournal(read.text) : { ok: false as const, problem: read.problem }
    if (!p.ok) {
      out.problems.push(`${name}: ${p.problem}`)
      if ("mtimeMs" in read && expired(read.mtimeMs)) await remove(s.dir, name)
      continue
    }
    const file = p.file
    if (file.session !== n.session) {
      out.problems.push(`${name}: names another session (${file.session})`)
      continue
    }
    if (p.dropped.length) out.problems.push(`${name}: dropped malformed ${p.dropped.join(", ")}`)
    if (file.owner.id === n.owner) known.set(n.owner, file.owner)
    if (expired(file.writtenAt)) {
      await remove(s.dir, name)
      out.removed++
      continue
    }
    const owner = ownerOf(n.owner, known)
    if (s.alive(owner)) {
      noteForeign(out, n.session, { name, part: "main", owner })
      continue
    }
    const a = adoptedOf(out, n.session)
    const target = a.main ? `${fileName(n.session, s.me.id)}.${++claimSeq}.claim` : fileName(n.session, s.me.id)!
    if (!(await claim(s.dir, name, target))) continue // another process took it first
    if (a.main) a.claims.push(target)
    a.main = true
    mergeInto(a, file)
  }
  for (const { name, n } of parsed.filter((x) => x.n.kind !== "tmp" && x.n.part === "prune")) {
    const info = await lstat(join(s.dir, name)).catch(() => undefined)
    if (!info?.isFile()) continue
    const owner = ownerOf(n.owner, known)
    if (expired(info.mtimeMs)) {
      await remove(s.dir, name)
      out.removed++
    } else if (s.alive(owner)) noteForeign(out, n.session, { name, part: "prune", owner })
    else await adoptPrune(s, adoptedOf(out, n.session), n.session, name, info.mtimeMs)
  }
  await enforceCount(s, out)
  return out
}

/** The newest prune file of a session is the one kept (renamed to this instance's own); older ones go. */
async function adoptPrune(s: ScanInput, a: Adopted, session: string, name: string, mtimeMs: number): Promise<void> {
  if (a.prune !== undefined && a.prune >= mtimeMs) return remove(s.dir, name)
  if (await claim(s.dir, name, fileName(session, s.me.id, "prune")!)) a.prune = mtimeMs
}

/** At most maxSessions sessions: the least recently written of those taken over go first. */
async function enforceCount(s: ScanInput, out: ScanResult): Promise<void> {
  const extra = out.adopted.size - s.maxSessions
  if (extra <= 0) return
  const oldest = [...out.adopted.entries()].sort((a, b) => a[1].writtenAt - b[1].writtenAt).slice(0, extra)
  for (const [session, a] of oldest) {
    for (const n of [fileName(session, s.me.id), fileName(session, s.me.id, "prune"), ...a.claims]) if (n) await remove(s.dir, n)
    out.adopted.delete(session)
    out.removed++
  }
}

/**
 * At a session's first event: its files whose owner was alive at start but is gone now are
 * taken over. Synchronous (the hooks handle the event right after): a rename and a bounded
 * read of one small main file per such owner (a prune file is renamed over this instance's
 * own, unread); it happens once per session, and only when another process journaled it.
 */
export function adoptLate(s: Pick<ScanInput, "dir" | "me" | "maxBytes" | "alive">, files: ForeignFile[]) {
  const took: Array<{ file: JournalFile; claim: string }> = []
  const left: ForeignFile[] = []
  let prune = false
  for (const f of files) {
    if (s.alive(f.owner)) {
      left.push(f)
      continue
    }
    const session = parseName(f.name)!.session
    const to = f.part === "prune" ? fileName(session, s.me.id, "prune")! : `${fileName(session, s.me.id)!}.${++claimSeq}.claim`
    try {
      renameSync(join(s.dir, f.name), join(s.dir, to))
    } catch {
      continue // gone, or taken by another process
    }
    if (f.part === "prune") {
      prune = true
      continue
    }
    const read = readBoundedSync(join(s.dir, to), s.maxBytes)
    const parsed = "text" in read ? parseJournal(read.text) : undefined
    if (parsed?.ok) took.push({ file: parsed.file, claim: to })
  }
  return { took, left, prune }
}

/**
 * Journal files in every project's folder not changed for ttlMs go (a project never opened
 * again would otherwise keep them forever). Real folders only; names that are not the
 * journal's are left alone. Run once, a while after the start.
 */
export async function expireAll(root: string, now: number, ttlMs: number): Promise<number> {
  let removed = 0
  for (const project of await listDirs(root)) {
    const dir = join(root, project)
    for (const name of await listFiles(dir)) {
      if (!parseName(name)) continue
      const info = await lstat(join(dir, name)).catch(() => undefined)
      if (!info?.isFile() || now - info.mtimeMs <= ttlMs) continue
      await remove(dir, name)
      removed++
    }
  }
  return removed
}
