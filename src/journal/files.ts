/**
 * The journal's files on disk: where they are, their names, and the few operations on them.
 * Writes are atomic (an exclusive new temp file, synced, then renamed over the old one), and
 * nothing follows a symbolic link: folders must be real folders, files are opened O_NOFOLLOW.
 */
import { type ReadResult, readRegularFile } from "../runtime/read-small-file"
import { createHash } from "node:crypto"
import { constants } from "node:fs"
import { lstat, mkdir, open, readdir, rename, unlink } from "node:fs/promises"
import { homedir } from "node:os"
import { join } from "node:path"
import { ID } from "./read"

const NOFOLLOW = constants.O_NOFOLLOW ?? 0
const NONBLOCK = constants.O_NONBLOCK ?? 0

/** $XDG_DATA_HOME/opencode-longrun/journal (fallback ~/.local/share), where OpenCode keeps its own data. */
export function journalRoot(env: Record<string, string | undefined> = process.env, override?: string): string {
  if (override) return override
  const data = env.XDG_DATA_HOME || join(env.HOME || homedir(), ".local", "share")
  return join(data, "opencode-longrun", "journal")
}

const PLAIN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$/

/** A folder name for a project id, one-to-one (OpenCode's ids are plain; anything else is hashed). */
export function projectDirName(projectID: string): string {
  if (PLAIN.test(projectID) && projectID !== "." && projectID !== "..") return projectID
  const hash = createHash("sha256").update(projectID).digest("hex").slice(0, 16)
  return `${projectID.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 60)}~${hash}`
}

export type NameKind = "file" | "claim" | "tmp"
/** A session's journal is two files: "main" (every section but the pruner's) and "prune" (its decisions, rewritten only when they change). */
export type Part = "main" | "prune"
export interface JournalName {
  session: string
  owner: string
  part: Part
  kind: NameKind
}

const NAME = /^([A-Za-z0-9_-]{1,128})\.(\d{1,10}-[0-9a-f]{8})\.(json|prune\.json)(?:\.(\d{1,9})\.(claim|tmp))?$/

/** `<session>.<owner>.json` / `.prune.json`: a journal; `.<n>.claim` after it: taken over, not yet merged; `.<n>.tmp`: a write under way. */
export function parseName(name: string): JournalName | undefined {
  const m = NAME.exec(name)
  if (!m) return undefined
  const kind = m[5] === "claim" ? "claim" : m[5] === "tmp" ? "tmp" : "file"
  return { session: m[1]!, owner: m[2]!, part: m[3] === "json" ? "main" : "prune", kind }
}

export function fileName(sessionID: string, ownerID: string, part: Part = "main"): string | undefined {
  return ID.test(sessionID) ? `${sessionID}.${ownerID}.${part === "main" ? "json" : "prune.json"}` : undefined
}

/** Makes the folder (and its parents) and checks that it, and `root` above it, are real folders, not links. */
export async function realDir(dir: string, root: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true })
    for (const d of [root, dir]) if (!(await lstat(d)).isDirectory()) return false
    return true
  } catch {
    return false
  }
}

/** Names of the regular files in a folder (no links, no folders). */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isFile()).map((e) => e.name)
}

/** Real folders in a folder. */
export async function listDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isDirectory()).map((e) => e.name)
}

export type { ReadResult }

/** A regular file's text, at most maxBytes; never follows a link, never blocks on a FIFO. */
export async function readBounded(path: string, maxBytes: number): Promise<ReadResult> {
  let fh: Awaited<ReturnType<typeof open>> | undefined
  try {
    fh = await open(path, constants.O_RDONLY | NOFOLLOW | NONBLOCK)
    const info = await fh.stat()
    if (!info.isFile()) return { problem: "not a regular file" }
    if (info.size > maxBytes) return { problem: `too large (${info.size} bytes, at most ${maxBytes})` }
    const buf = Buffer.alloc(info.size)
    let read = 0
    while (read < buf.length) {
      const { bytesRead } = await fh.read(buf, read, buf.length - read, read)
      if (bytesRead === 0) break
      read += bytesRead
    }
    return { text: buf.toString("utf8", 0, read), bytes: read, mtimeMs: info.mtimeMs }
  } catch (err) {
    return { problem: `unreadable (${(err as NodeJS.ErrnoException).code ?? "error"})` }
  } finally {
    await fh?.close().catch(() => {})
  }
}

/** The same, synchronously: for one small file of our own when a session comes back (see Journal.restore). */
export function readBoundedSync(path: string, maxBytes: number): ReadResult {
  return readRegularFile(path, maxBytes)
}

/**
 * Replaces dir/name with text atomically: an exclusive temp file of this writer's own
 * (O_EXCL and O_NOFOLLOW: a planted file or link there makes the write fail, it is never
 * written through), synced, then renamed over the old file. Returns the bytes written.
 */
export async function writeAtomic(dir: string, name: string, text: string, seq: number): Promise<number> {
  const tmp = join(dir, `${name}.${seq}.tmp`)
  const data = Buffer.from(text, "utf8")
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } catch (err) {
    await fh.close().catch(() => {})
    await unlink(tmp).catch(() => {})
    throw err
  }
  await fh.close()
  try {
    await rename(tmp, join(dir, name))
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  return data.length
}

/** Takes a file over: an atomic rename, so of two processes trying, one wins. False when it was gone. */
export async function claim(dir: string, from: string, to: string): Promise<boolean> {
  try {
    await rename(join(dir, from), join(dir, to))
    return true
  } catch {
    return false
  }
}

export async function remove(dir: string, name: string): Promise<void> {
  await unlink(join(dir, name)).catch(() => {})
}
