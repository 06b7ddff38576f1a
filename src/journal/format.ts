/**
 * The journal file: one per session and writing process, versioned JSON. A leaf.
 *
 *   { "format": "opencode-longrun/journal", "v": 1, "session": "ses_...",
 *     "owner": { "id": "<pid>-<nonce>", "pid": 123, "host": "...", "boot": "...", "start": 456 },
 *     "writtenAt": 1700000000000, "sections": { "tasks": [...], "continuation": {...}, ... } }
 *
 * Parsing never throws and trusts nothing: a file from a newer version, a truncated or
 * damaged one, one nested too deep or holding unexpected keys is refused with one short
 * reason; a malformed section is dropped on its own and named.
 */
import { ID, int, num, obj, own, str } from "./read"
import { SECTION_NAMES, SECTION_READERS } from "./sections"
import type { SectionName, Sections } from "./types"

export const JOURNAL_FORMAT = "opencode-longrun/journal"
export const JOURNAL_VERSION = 1
/** The format nests 6 deep; anything deeper is not ours. */
export const MAX_DEPTH = 16

/** Who wrote a file: the process (pid, and on Linux its boot and start time, against reused pids) and a nonce per plugin instance. */
export interface WriterInfo {
  id: string
  pid: number
  host: string
  boot?: string
  start?: number
}

export interface JournalFile {
  session: string
  owner: WriterInfo
  writtenAt: number
  sections: Partial<Sections>
}

export type Parsed = { ok: true; file: JournalFile; dropped: SectionName[] } | { ok: false; problem: string }

/** `sectionsJson` is JSON.stringify(file.sections), when the caller already has it. */
export function encodeJournal(file: JournalFile, sectionsJson = JSON.stringify(file.sections)): string {
  const head = JSON.stringify({
    format: JOURNAL_FORMAT,
    v: JOURNAL_VERSION,
    session: file.session,
    owner: file.owner,
    writtenAt: file.writtenAt,
  })
  return `${head.slice(0, -1)},"sections":${sectionsJson}}\n`
}

/** Deepest nesting of arrays and objects in a JSON text (strings skipped), stopping past `limit`. */
export function jsonDepth(text: string, limit = MAX_DEPTH): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 92)
        i++ // backslash: skip the escaped character
      else if (c === 34) inString = false
      continue
    }
    if (c === 34) inString = true
    else if (c === 123 || c === 91) {
      if (++depth > max) max = depth
      if (max > limit) return max
    } else if (c === 125 || c === 93) depth--
  }
  return max
}

export function parseJournal(text: string): Parsed {
  if (text.trim().length === 0) return { ok: false, problem: "empty (truncated)" }
  if (jsonDepth(text) > MAX_DEPTH) return { ok: false, problem: `nested deeper than ${MAX_DEPTH} levels` }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return { ok: false, problem: "not valid JSON (truncated or damaged)" }
  }
  const o = obj(raw)
  if (!o || own(o, "format") !== JOURNAL_FORMAT) return { ok: false, problem: "not an opencode-longrun journal file" }
  const v = own(o, "v")
  if (typeof v === "number" && Number.isInteger(v) && v > JOURNAL_VERSION)
    return { ok: false, problem: `version ${v} is newer than this plugin's ${JOURNAL_VERSION}` }
  if (v !== JOURNAL_VERSION) return { ok: false, problem: `unknown version ${JSON.stringify(v)?.slice(0, 20)}` }
  const session = own(o, "session")
  if (typeof session !== "string" || !ID.test(session)) return { ok: false, problem: "no valid session id" }
  const owner = readOwner(own(o, "owner"))
  const writtenAt = num(own(o, "writtenAt"))
  if (!owner || writtenAt === undefined) return { ok: false, problem: "no valid owner or time" }
  const rawSections = obj(own(o, "sections"))
  if (!rawSections) return { ok: false, problem: "no sections" }
  const sections: Partial<Sections> = {}
  const dropped: SectionName[] = []
  for (const name of SECTION_NAMES) {
    const value = own(rawSections, name)
    if (value === undefined) continue
    const read = SECTION_READERS[name](value)
    if (read === undefined) dropped.push(name)
    else (sections as Record<string, unknown>)[name] = read
  }
  return { ok: true, file: { session, owner, writtenAt, sections }, dropped }
}

export const OWNER_ID = /^(\d{1,10})-([0-9a-f]{8})$/

function readOwner(x: unknown): WriterInfo | undefined {
  const o = obj(x)
  const id = own(o, "id")
  const pid = int(own(o, "pid"), 1, 2 ** 31)
  const host = str(own(o, "host"), 256)
  if (typeof id !== "string" || !OWNER_ID.test(id) || pid === undefined || host === undefined) return undefined
  const boot = str(own(o, "boot"), 64)
  const start = int(own(o, "start"))
  return { id, pid, host, ...(boot !== undefined ? { boot } : {}), ...(start !== undefined ? { start } : {}) }
}
