import { rmSync } from "node:fs"
import { ensureDir, errorCode, isAlive, readSmallFile, writeAtomic } from "../../sidebar/files"
import { parseSnapshot, type SidebarSnapshot, snapshotFile } from "../../sidebar/snapshot"

/** Who writes: this process and this plugin instance (one process may hold two). */
export interface Writer {
  pid: number
  iid: string
}

export interface PublisherDeps {
  /** a session's file cannot be written (logged by the caller; once per session and cause) */
  onProblem: (sessionID: string, err: unknown) => void
  alive?: (pid: number) => boolean
}

/** Plugin instances of this process that have not been disposed (a pid alone cannot tell them apart). */
const runningHere = new Set<string>()

interface Written {
  key: string
  /** when we last wrote it (our clock), for the heartbeat of a counting snapshot */
  at: number
}

/**
 * Writes one JSON file per session into a shared folder, atomically and only when the
 * content changed. The folder is shared with other OpenCode servers: a file another
 * live server wrote with newer news about the session is left alone, and when this
 * server lets go of a session it removes the file only if it is still its own (putting
 * back what it replaced from a server that still runs).
 */
export class SnapshotPublisher {
  private readonly written = new Map<string, Written>()
  /** another live writer's file text we replaced, to put back when we let go */
  private readonly displaced = new Map<string, string>()
  private readonly failing = new Map<string, string>()
  private readonly alive: (pid: number) => boolean
  writes = 0
  /** publishes left to another server with newer news */
  yielded = 0
  /** the folder was found missing and made again since the caller last asked */
  dirLost = false

  constructor(
    readonly dir: string,
    private readonly me: Writer,
    private readonly deps: PublisherDeps,
  ) {
    this.alive = deps.alive ?? isAlive
    runningHere.add(me.iid)
  }

  /** Whether the writer of a snapshot still runs: in this process, an instance not yet closed. */
  private writerRuns(snap: SidebarSnapshot): boolean {
    if (snap.pid === undefined || snap.iid === undefined) return false
    return snap.pid === this.me.pid ? runningHere.has(snap.iid) : this.alive(snap.pid)
  }

  /** When we last wrote the session's file, or undefined. */
  writtenAt(sessionID: string): number | undefined {
    return this.written.get(sessionID)?.at
  }

  /**
   * Writes the snapshot unless `key` equals what was last written (or `force`, for a
   * heartbeat). Returns whether it wrote. Never throws: a file that cannot be written
   * is reported and the session is tried again on its next change.
   */
  publish(sessionID: string, key: string, snap: SidebarSnapshot, now: number, force = false): boolean {
    if (!force && this.written.get(sessionID)?.key === key) return false
    const file = snapshotFile(this.dir, sessionID)
    if (!file) return false
    const text = readSmallFile(file)
    const theirs = text === undefined ? undefined : this.otherLiveWriter(text)
    if (theirs && (theirs.activity ?? 0) >= (snap.activity ?? 0)) {
      // Their news is newer: ours waits for our next change.
      this.written.set(sessionID, { key, at: now })
      this.yielded++
      return false
    }
    try {
      this.write(file, JSON.stringify(snap))
    } catch (err) {
      const why = errorCode(err) ?? String(err)
      if (this.failing.get(sessionID) !== why) this.deps.onProblem(sessionID, err)
      this.failing.set(sessionID, why)
      return false
    }
    this.failing.delete(sessionID)
    if (theirs && text !== undefined) this.displaced.set(sessionID, text)
    this.written.set(sessionID, { key, at: now })
    this.writes++
    return true
  }

  private write(file: string, text: string): void {
    try {
      writeAtomic(file, text)
    } catch (err) {
      if (errorCode(err) !== "ENOENT") throw err
      // The folder went (a clean-up): make it again; every session's file is gone with it.
      ensureDir(this.dir)
      this.dirLost = true
      writeAtomic(file, text)
    }
  }

  /** The parsed file when another plugin instance that still runs wrote it. */
  private otherLiveWriter(text: string): SidebarSnapshot | undefined {
    const snap = parseSnapshot(text)
    if (!snap || snap.iid === undefined || snap.iid === this.me.iid) return undefined
    return this.writerRuns(snap) ? snap : undefined
  }

  /** Forgets every write, so the next round writes every session again. */
  forgetAll(): void {
    this.written.clear()
  }

  /** Lets go of the session: its file goes, unless another server's snapshot is in it. */
  remove(sessionID: string): void {
    const displaced = this.displaced.get(sessionID)
    this.displaced.delete(sessionID)
    this.failing.delete(sessionID)
    if (!this.written.delete(sessionID)) return
    const file = snapshotFile(this.dir, sessionID)
    if (!file) return
    const text = readSmallFile(file)
    if (text === undefined) return
    // Another server's (or anyone's) file is not ours to remove.
    if (parseSnapshot(text)?.iid !== this.me.iid) return
    if (displaced !== undefined && this.otherLiveWriter(displaced)) {
      try {
        writeAtomic(file, displaced)
        return
      } catch {
        // fall through: remove ours
      }
    }
    try {
      rmSync(file, { force: true })
    } catch {
      // swapped for something we cannot remove: leave it
    }
  }

  /** Lets go of every session and stops counting as a running writer (dispose). */
  close(): void {
    runningHere.delete(this.me.iid)
    for (const id of [...this.written.keys()]) this.remove(id)
  }

  get sessions(): string[] {
    return [...this.written.keys()]
  }
}
