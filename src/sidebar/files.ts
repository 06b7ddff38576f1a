/**
 * File access for the snapshot folder, which every project (and anyone) can write to:
 * reads never follow a link, never block on a FIFO and never load more than a bound;
 * writes go to a fresh temp file created exclusively (so a planted link or file at the
 * temp name is never written through) and renamed over the target. A leaf: node only.
 */
import { randomBytes } from "node:crypto"
import { readSmallRegularFile } from "../runtime/read-small-file"
import { closeSync, constants, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs"

/** A snapshot is about 1-8 KB; anything far bigger is not one. */
export const MAX_SNAPSHOT_BYTES = 64 * 1024

/** `<id>.json.<pid>.tmp` (older releases) or `<id>.json.<pid>-<random>.tmp`. */
export const TEMP_NAME = /^([A-Za-z0-9_-]{1,128})\.json\.([0-9]{1,10})(?:-[0-9a-f]{1,32})?\.tmp$/

/** The text of a regular file of at most `max` bytes; undefined for anything else. */
export function readSmallFile(path: string, max = MAX_SNAPSHOT_BYTES): string | undefined {
  return readSmallRegularFile(path, max)
}

/** Writes `text` to `file` atomically. Throws (ENOENT when the folder is gone). */
export function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`
  // O_EXCL with O_CREAT fails on anything already there, a dangling link included.
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644)
  try {
    try {
      writeSync(fd, text)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, file)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
}

/** Makes the folder (private to the user when new). */
export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
}

/** Whether a process with this pid exists (EPERM: it does, it is someone else's). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as { code?: string }).code === "EPERM"
  }
}

export function errorCode(err: unknown): string | undefined {
  return (err as { code?: string } | undefined)?.code
}
