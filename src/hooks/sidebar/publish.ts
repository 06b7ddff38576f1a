import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { snapshotFile } from "../../sidebar/snapshot"

/**
 * Writes one JSON file per session into a folder, atomically (temp file + rename, so a
 * reader never sees half a file) and only when the content changed. Forgets and
 * removes a session's file on request.
 */
export class SnapshotPublisher {
  private readonly written = new Map<string, string>()
  private dirReady = false
  writes = 0

  constructor(readonly dir: string) {}

  /** Writes `text` for the session unless `key` equals what was last written. Returns whether it wrote. */
  publish(sessionID: string, key: string, text: string): boolean {
    if (this.written.get(sessionID) === key) return false
    const file = snapshotFile(this.dir, sessionID)
    if (!file) return false
    if (!this.dirReady) {
      mkdirSync(this.dir, { recursive: true })
      this.dirReady = true
    }
    const tmp = `${file}.${process.pid}.tmp`
    writeFileSync(tmp, text)
    renameSync(tmp, file)
    this.written.set(sessionID, key)
    this.writes++
    return true
  }

  remove(sessionID: string): void {
    if (!this.written.delete(sessionID)) return
    const file = snapshotFile(this.dir, sessionID)
    if (file) rmSync(file, { force: true })
  }

  removeAll(): void {
    for (const id of [...this.written.keys()]) this.remove(id)
  }

  get sessions(): string[] {
    return [...this.written.keys()]
  }
}
