/**
 * The TUI half's only state: the last snapshot read per session, refreshed when the
 * server half rewrites a file (fs.watch on the folder). No polling: an idle TUI costs
 * one idle watcher. Plain TypeScript (no solid-js), so it is unit-tested directly.
 */
import { type FSWatcher, mkdirSync, readFileSync, watch } from "node:fs"
import { parseSnapshot, type SidebarSnapshot, snapshotFile } from "../sidebar/snapshot"

/** The session a snapshot file (or its temp file) belongs to. */
export function sessionOfFile(name: string): string | undefined {
  return /^([A-Za-z0-9_-]{1,128})\.json(\.[0-9]+\.tmp)?$/.exec(name)?.[1]
}

export class SnapshotReader {
  private readonly cache = new Map<string, SidebarSnapshot | undefined>()
  private readonly listeners = new Set<(sessionID: string) => void>()
  private watcher: FSWatcher | undefined

  constructor(readonly dir: string) {}

  /** Starts watching the folder (created if missing). Errors leave the reader static, never thrown. */
  start(onError: (err: unknown) => void = () => {}): void {
    if (this.watcher) return
    try {
      mkdirSync(this.dir, { recursive: true })
      this.watcher = watch(this.dir, (_event, name) => {
        if (typeof name !== "string") {
          for (const id of [...this.cache.keys()]) this.changed(id)
          return
        }
        // The server writes <id>.json.<pid>.tmp and renames it to <id>.json. Inside OpenCode's
        // TUI the rename is reported under the temp file's name only (seen in tmux), so
        // both names mean "<id> changed".
        const id = sessionOfFile(name)
        if (id) this.changed(id)
      })
      this.watcher.on("error", onError)
    } catch (err) {
      onError(err)
    }
  }

  stop(): void {
    this.watcher?.close()
    this.watcher = undefined
    this.listeners.clear()
    this.cache.clear()
  }

  /** The session's snapshot, read from disk on first use and after each change. */
  get(sessionID: string): SidebarSnapshot | undefined {
    if (this.cache.has(sessionID)) return this.cache.get(sessionID)
    const snap = this.read(sessionID)
    // only sessions someone asked for are cached; the map stays as small as the sessions viewed
    this.cache.set(sessionID, snap)
    return snap
  }

  /** Re-reads a session's file (called by the watcher) and tells the listeners. */
  changed(sessionID: string): void {
    if (this.cache.has(sessionID)) this.cache.set(sessionID, this.read(sessionID))
    for (const l of this.listeners) l(sessionID)
  }

  onChange(listener: (sessionID: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private read(sessionID: string): SidebarSnapshot | undefined {
    const file = snapshotFile(this.dir, sessionID)
    if (!file) return undefined
    try {
      const snap = parseSnapshot(readFileSync(file, "utf8"))
      return snap?.sessionID === sessionID ? snap : undefined
    } catch {
      return undefined // no file yet, or the session left the server's store
    }
  }
}
