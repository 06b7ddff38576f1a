/**
 * What a journal finds in its project's folder at start: files whose owner is gone are taken
 * over (an atomic rename, so of two processes starting at once only one gets each file) and
 * merged per session; files of owners still running are only noted (taken over later, at the
 * session's first event, if their owner has gone by then); expired and damaged files are dealt
 * with here. The reads are bounded in size and count.
 */
import { renameSync } from "node:fs"
import { join } from "node:path"
import { type JournalFile, type WriterInfo, parseJournal } from "./format"
import { claim, fileName, listFiles, parseName, readBounded, readBoundedSync, remove } from "./files"
import type { Sections } from "./types"

export interface ScanInput {
  dir: string
  me: WriterInfo
  now: number
  ttlMs: number
  maxSessions: number
  maxBytes: number
  alive: (owner: Partial<WriterInfo> & Pick<WriterInfo, "id" | "pid">) => boolean
}

/** A session's sections taken over from files of owners that are gone. */
export interface Adopted {
  sections: Partial<Sections>
  writtenAt: number
  /** the file now named as this instance's own (renamed in one step), when there was just one */
  ownName: string | undefined
  /** files taken over beside it: merged into this instance's next write, then removed */
  claims: string[]
}

export interface ForeignFile {
  name: string
  owner: Partial<WriterInfo> & Pick<WriterInfo, "id" | "pid">
}

export interface ScanResult {
  adopted: Map<string, Adopted>
  foreign: Map<string, ForeignFile[]>
  problems: string[]
  removed: number
}

let claimSeq = 0

/** The owner a file name says, enriched with what the file says when it names the same one. */
function ownerOf(nameOwner: string, file: JournalFile | undefined): ForeignFile["owner"] {
  if (file && file.owner.id === nameOwner) return file.owner
  return { id: nameOwner, pid: Number(nameOwner.split("-")[0]) }
}

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

export async function scanProject(s: ScanInput): Promise<ScanResult> {
  const out: ScanResult = { adopted: new Map(), foreign: new Map(), problems: [], removed: 0 }
  const names = await listFiles(s.dir)
  // A hostile folder could hold any number of files: read a bounded number of them.
  const limit = s.maxSessions * 4
  if (names.length > limit) out.problems.push(`${names.length - limit} files beyond the first ${limit} were not read`)
  for (const name of names.slice(0, limit)) {
    const parsedName = parseName(name)
    if (!parsedName) continue // not the journal's: left alone
    if (parsedName.kind === "tmp") {
      // a write cut short: its owner is gone if the name's pid is
      if (!s.alive(ownerOf(parsedName.owner, undefined))) {
        await remove(s.dir, name)
        out.removed++
      }
      continue
    }
    const read = await readBounded(join(s.dir, name), s.maxBytes)
    const parsed = "text" in read ? parseJournal(read.text) : { ok: false as const, problem: read.problem }
    const expired = (at: number) => s.now - at > s.ttlMs
    if (!parsed.ok) {
      out.problems.push(`${name}: ${parsed.problem}`)
      if ("mtimeMs" in read && expired(read.mtimeMs)) await remove(s.dir, name)
      continue
    }
    const file = parsed.file
    if (file.session !== parsedName.session) {
      out.problems.push(`${name}: names another session (${file.session})`)
      continue
    }
    if (parsed.dropped.length) out.problems.push(`${name}: dropped malformed ${parsed.dropped.join(", ")}`)
    if (expired(file.writtenAt)) {
      await remove(s.dir, name)
      out.removed++
      continue
    }
    const owner = ownerOf(parsedName.owner, file)
    if (s.alive(owner)) {
      const list = out.foreign.get(file.session) ?? []
      list.push({ name, owner })
      out.foreign.set(file.session, list)
      continue
    }
    await adoptFile(s, out, name, file)
  }
  await enforceCount(s, out)
  return out
}

/** Takes one file of a gone owner over (async, at start). */
async function adoptFile(s: ScanInput, out: ScanResult, name: string, file: JournalFile): Promise<void> {
  const existing = out.adopted.get(file.session)
  const own = fileName(file.session, s.me.id)!
  const target = existing ? `${own}.${++claimSeq}.claim` : own
  if (!(await claim(s.dir, name, target))) return // another process took it first
  const adopted = existing ?? { sections: {}, writtenAt: 0, ownName: target, claims: [] }
  if (existing) adopted.claims.push(target)
  mergeInto(adopted, file)
  out.adopted.set(file.session, adopted)
}

/** At most maxSessions sessions: the least recently written of those taken over go first. */
async function enforceCount(s: ScanInput, out: ScanResult): Promise<void> {
  const extra = out.adopted.size - s.maxSessions
  if (extra <= 0) return
  const oldest = [...out.adopted.entries()].sort((a, b) => a[1].writtenAt - b[1].writtenAt).slice(0, extra)
  for (const [session, a] of oldest) {
    for (const n of [a.ownName, ...a.claims]) if (n) await remove(s.dir, n)
    out.adopted.delete(session)
    out.removed++
  }
}

/**
 * At a session's first event: its files whose owner was alive at start but is gone now are
 * taken over. Synchronous (the hooks handle the event right after): a rename and a bounded
 * read of one small file per such owner; it happens once per session and only when another
 * process journaled it.
 */
export function adoptLate(s: Omit<ScanInput, "now" | "ttlMs" | "maxSessions">, files: ForeignFile[]) {
  const took: Array<{ file: JournalFile; claim: string }> = []
  const left: ForeignFile[] = []
  for (const f of files) {
    if (s.alive(f.owner)) {
      left.push(f)
      continue
    }
    const claimName = `${fileName(parseName(f.name)!.session, s.me.id)!}.${++claimSeq}.claim`
    try {
      renameSync(join(s.dir, f.name), join(s.dir, claimName))
    } catch {
      continue // gone, or taken by another process
    }
    const read = readBoundedSync(join(s.dir, claimName), s.maxBytes)
    const parsed = "text" in read ? parseJournal(read.text) : undefined
    if (parsed?.ok) took.push({ file: parsed.file, claim: claimName })
  }
  return { took, left }
}
