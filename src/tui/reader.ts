/**
 * The TUI half's only state: the last snapshot read per session on screen, refreshed
 * when the server half rewrites its file (fs.watch on the folder). The folder is shared
 * by every project, so events for other sessions cost a name check and nothing more.
 * No polling, except while the folder is gone (a user's clean-up): then it looks for it
 * every few seconds and watches again once it is back. Plain TypeScript (no solid-js),
 * so it is unit-tested directly.
 */
import { type FSWatcher, statSync, watch } from "node:fs"
import { basename } from "node:path"
import { type Clock, systemClock, type TimerHandle } from "../runtime/clock"
import { ensureDir, readSmallFile, TEMP_NAME } from "../sidebar/files"
import { parseSnapshot, type SidebarSnapshot, snapshotFile } from "../sidebar/snapshot"

/** While the folder is gone, it is looked for this often. */
export const LOOK_AGAIN_MS = 2_000
/**
 * After an event, the file is read once more this much later. Inside OpenCode's TUI an
 * event can come before the server's rename has landed, with no event after it (seen in
 * tmux: a sidebar stuck on the snapshot before last), so the first read may be stale.
 */
export const READ_AGAIN_MS = 150

/** The session a snapshot file (or its temp file) belongs to. */
export function sessionOfFile(name: string): string | undefined {
  return /^([A-Za-z0-9_-]{1,128})\.json$/.exec(name)?.[1] ?? TEMP_NAME.exec(name)?.[1]
}

export interface ReaderDeps {
  clock?: Clock
}

export class SnapshotReader {
  private readonly cache = new Map<string, SidebarSnapshot | undefined>()
  private readonly holds = new Map<string, number>()
  private readonly texts = new Map<string, string | undefined>()
  private readonly again = new Map<string, TimerHandle>()
  private readonly listeners = new Set<(sessionID: string) => void>()
  private watcher: FSWatcher | undefined
  private watchedIno: number | undefined
  private lookAgain: TimerHandle | undefined
  private started = false
  private onError: (err: unknown) => void = () => {}
  private readonly clock: Clock
  /** files read so far (each a session on screen that changed) */
  reads = 0

  constructor(
    private folder: string,
    deps: ReaderDeps = {},
  ) {
    this.clock = deps.clock ?? systemClock
  }

  get dir(): string {
    return this.folder
  }

  /** Whether a watcher is on the folder now. */
  get watching(): boolean {
    return this.watcher !== undefined
  }

  /** Starts watching the folder (created if missing). Errors leave the reader static, never thrown. */
  start(onError: (err: unknown) => void = () => {}): void {
    this.onError = onError
    this.started = true
    if (!this.watcher) this.watch()
  }

  /** Reads another folder from now on (the server's, once the TUI learns where it is). */
  setDir(dir: string): void {
    if (dir === this.folder) return
    this.unwatch()
    this.folder = dir
    if (this.started) this.watch()
    this.refreshAll()
  }

  stop(): void {
    this.started = false
    this.unwatch()
    this.listeners.clear()
    this.cache.clear()
    this.texts.clear()
    this.holds.clear()
  }

  /** The session's snapshot, read from disk on first use and after each change. */
  get(sessionID: string): SidebarSnapshot | undefined {
    if (this.cache.has(sessionID)) return this.cache.get(sessionID)
    const snap = this.read(sessionID)
    // only sessions someone asked for are cached, and only their files are read again
    this.cache.set(sessionID, snap)
    return snap
  }

  /** Keeps the session's file watched while on screen; the returned function lets go. */
  hold(sessionID: string): () => void {
    this.holds.set(sessionID, (this.holds.get(sessionID) ?? 0) + 1)
    // A view replaced by a new one may have let go (and dropped the cache) in between:
    // read it now and tell the listeners, so no change is missed.
    if (!this.cache.has(sessionID)) {
      this.cache.set(sessionID, undefined)
      this.changed(sessionID)
    }
    let held = true
    return () => {
      if (!held) return
      held = false
      const left = (this.holds.get(sessionID) ?? 1) - 1
      if (left > 0) this.holds.set(sessionID, left)
      else {
        this.holds.delete(sessionID)
        this.cache.delete(sessionID)
        this.texts.delete(sessionID)
      }
    }
  }

  /** Re-reads a session's file if it is on screen, and tells the listeners when it differs. */
  changed(sessionID: string): void {
    if (!this.cache.has(sessionID)) return
    const before = this.texts.get(sessionID)
    const snap = this.read(sessionID)
    if (before !== undefined && this.texts.get(sessionID) === before) return // the same bytes: nothing to show
    this.cache.set(sessionID, snap)
    for (const l of this.listeners) l(sessionID)
  }

  /** The watcher saw the session's file (or its temp file) move: read now, and once more soon. */
  fileEvent(sessionID: string): void {
    if (!this.cache.has(sessionID)) return
    this.changed(sessionID)
    if (this.again.has(sessionID)) return
    this.again.set(
      sessionID,
      this.clock.setTimeout(() => {
        this.again.delete(sessionID)
        this.changed(sessionID)
      }, READ_AGAIN_MS),
    )
  }

  /** Called with the id of a session on screen whose snapshot changed. */
  onChange(listener: (sessionID: string) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private refreshAll(): void {
    for (const id of [...this.cache.keys()]) this.changed(id)
  }

  private watch(): void {
    try {
      ensureDir(this.folder)
      this.watchedIno = statSync(this.folder).ino
      const w = watch(this.folder, (_event, name) => {
        if (typeof name !== "string") return this.checkFolder(true)
        // The server writes <id>.json.<pid>-<n>.tmp and renames it to <id>.json. Inside
        // OpenCode's TUI the rename is reported under the temp file's name only (seen in
        // tmux), so both names mean "<id> changed".
        const id = sessionOfFile(name)
        if (id) this.fileEvent(id)
        else if (name === basename(this.folder)) this.checkFolder(false)
      })
      w.on("error", (err) => {
        this.onError(err)
        this.checkFolder(false)
      })
      this.watcher = w
    } catch (err) {
      this.onError(err)
      this.watcher = undefined
      this.waitForFolder()
    }
  }

  private unwatch(): void {
    this.watcher?.close()
    this.watcher = undefined
    for (const h of this.again.values()) this.clock.clear(h)
    this.again.clear()
    if (this.lookAgain) this.clock.clear(this.lookAgain)
    this.lookAgain = undefined
  }

  /** An event about the folder itself: when it went (or was replaced), watch again once it is there. */
  private checkFolder(refresh: boolean): void {
    let ino: number | undefined
    try {
      ino = statSync(this.folder).ino
    } catch {
      ino = undefined
    }
    if (ino !== undefined && ino === this.watchedIno) {
      if (refresh) this.refreshAll()
      return
    }
    this.unwatch()
    this.refreshAll() // its files went with it
    if (ino !== undefined) this.watch()
    else this.waitForFolder()
  }

  private waitForFolder(): void {
    if (this.lookAgain || !this.started) return
    this.lookAgain = this.clock.setInterval(() => {
      try {
        statSync(this.folder)
      } catch {
        return // still gone
      }
      this.unwatch()
      this.watch()
      this.refreshAll()
    }, LOOK_AGAIN_MS)
  }

  private read(sessionID: string): SidebarSnapshot | undefined {
    const file = snapshotFile(this.folder, sessionID)
    if (!file) return undefined
    this.reads++
    // never follows a link, never blocks on a FIFO, never loads a huge file
    const text = readSmallFile(file)
    this.texts.set(sessionID, text)
    const snap = text === undefined ? undefined : parseSnapshot(text)
    return snap?.sessionID === sessionID ? snap : undefined
  }
}
