import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs"

export type ReadResult = { text: string; bytes: number; mtimeMs: number } | { problem: string }

/**
 * A regular file's text when it is at most maxBytes, or why not (a FIFO, a device, a folder,
 * a larger file, an error). Opened non-blocking, and never through a symbolic link, then
 * checked with fstat before a byte is read: a FIFO never blocks the process, a planted link
 * is never followed. The one bounded reader the plugin's own files (sidebar snapshots, the
 * journal) and the host's package.json go through.
 */
export function readRegularFile(path: string, maxBytes: number): ReadResult {
  let fd: number | undefined
  try {
    // O_NONBLOCK and O_NOFOLLOW are undefined on Windows, which has no FIFOs at a path like this.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0))
    const info = fstatSync(fd)
    if (!info.isFile()) return { problem: "not a regular file" }
    if (info.size > maxBytes) return { problem: `too large (${info.size} bytes, at most ${maxBytes})` }
    const buf = Buffer.alloc(info.size)
    let read = 0
    while (read < buf.length) {
      const n = readSync(fd, buf, read, buf.length - read, read)
      if (n === 0) break
      read += n
    }
    return { text: buf.toString("utf8", 0, read), bytes: read, mtimeMs: info.mtimeMs }
  } catch (err) {
    return { problem: `unreadable (${(err as NodeJS.ErrnoException)?.code ?? "error"})` }
  } finally {
    if (fd !== undefined) {
      try {
        closeSync(fd)
      } catch {
        // nothing to do: the descriptor is gone either way
      }
    }
  }
}

/** The text, or undefined for anything readRegularFile refuses. */
export function readSmallRegularFile(path: string, maxBytes: number): string | undefined {
  const r = readRegularFile(path, maxBytes)
  return "text" in r ? r.text : undefined
}
