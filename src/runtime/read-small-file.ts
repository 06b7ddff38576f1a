import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs"

/**
 * A regular file's text when it is at most maxBytes; undefined for anything else (a FIFO,
 * a device, a folder, a larger file) and on any error. Opened non-blocking and checked
 * with fstat before a byte is read, so a FIFO never blocks the process.
 */
export function readSmallRegularFile(path: string, maxBytes: number): string | undefined {
  let fd: number | undefined
  try {
    // O_NONBLOCK is undefined on Windows, which has no FIFOs at a path like this.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0))
    const info = fstatSync(fd)
    if (!info.isFile() || info.size > maxBytes) return undefined
    const buf = Buffer.alloc(info.size)
    let read = 0
    while (read < buf.length) {
      const n = readSync(fd, buf, read, buf.length - read, read)
      if (n === 0) break
      read += n
    }
    return buf.toString("utf8", 0, read)
  } catch {
    return undefined
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
