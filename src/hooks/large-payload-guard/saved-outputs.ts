/**
 * The full tool outputs the guard saves before capping them: one file per call, under
 * <root>/<project>/<session>/. Every file name is the call's own (exclusive create, so a
 * notice never points to another call's output), the folder of a session goes when the
 * session is deleted or expires, and what this process saved is bounded in count and
 * bytes. No operation ever follows a symbolic link inside the root.
 */
import { randomBytes } from "node:crypto"
import { lstat, mkdir, readdir, rm, unlink, writeFile } from "node:fs/promises"
import { join } from "node:path"
import { fileSafe } from "./output-cap"

/** Saved outputs older than this are deleted when the plugin starts. */
export const OUTPUT_RETENTION_MS = 7 * 24 * 60 * 60_000
/** What one OpenCode process keeps saved at most; the oldest of its files go first. */
export const SAVED_OUTPUT_LIMITS = { maxFiles: 500, maxBytes: 512 * 1024 * 1024 }

interface SavedFile {
  path: string
  dir: string
  bytes: number
}

export class SavedOutputs {
  private readonly files: SavedFile[] = []
  private bytes = 0
  private seq = 0
  /** Every file operation runs in order, so a deletion never races a save into the same folder. */
  private chain: Promise<unknown> = Promise.resolve()

  constructor(
    readonly root: string,
    private readonly limits: { maxFiles: number; maxBytes: number } = SAVED_OUTPUT_LIMITS,
  ) {}

  get count(): number {
    return this.files.length
  }

  get savedBytes(): number {
    return this.bytes
  }

  /** What the list of saved files costs in memory (two strings and a number per file), estimated. */
  estimateBytes(): number {
    let total = 0
    for (const f of this.files) total += (f.path.length + f.dir.length) * 2 + 48
    return total
  }

  /** Resolves when every operation started so far has finished. */
  async idle(): Promise<void> {
    for (let seen: Promise<unknown> | undefined; seen !== this.chain; ) {
      seen = this.chain
      await seen
    }
  }

  /** Writes the full output; returns its path, or undefined if it could not be saved. */
  save(projectID: string, sessionID: string, callID: string, output: string): Promise<string | undefined> {
    return this.serial(async () => {
      const dir = await this.sessionDir(projectID, sessionID, true)
      if (!dir) return undefined
      const base = fileSafe(callID)
      // The call's own name first; taken (a repeated call id, an earlier run): a fresh suffix.
      for (let attempt = 0; attempt < 5; attempt++) {
        const suffix = attempt === 0 ? "" : `.${++this.seq}-${randomBytes(3).toString("hex")}`
        const path = join(dir, `${base}${suffix}.txt`)
        try {
          await writeFile(path, output, { encoding: "utf8", flag: "wx" })
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "EEXIST") continue
          return undefined
        }
        const bytes = Buffer.byteLength(output, "utf8")
        this.files.push({ path, dir, bytes })
        this.bytes += bytes
        await this.enforceLimits()
        return path
      }
      return undefined
    })
  }

  /** Deletes a session's saved outputs, from this run and earlier ones. */
  removeSession(projectID: string, sessionID: string): Promise<void> {
    return this.serial(async () => {
      const dir = await this.sessionDir(projectID, sessionID, false)
      if (!dir) return
      await rm(dir, { recursive: true, force: true }).catch(() => {})
      this.forget((f) => f.dir === dir)
    })
  }

  /** Deletes session folders not touched for the retention time. Real folders only: links are left alone. */
  pruneOld(now: number, retentionMs = OUTPUT_RETENTION_MS): Promise<number> {
    return this.serial(async () => {
      let removed = 0
      for (const project of await realDirs(this.root)) {
        for (const session of await realDirs(join(this.root, project))) {
          const dir = join(this.root, project, session)
          const info = await lstat(dir).catch(() => undefined)
          if (!info?.isDirectory() || now - info.mtimeMs <= retentionMs) continue
          await rm(dir, { recursive: true, force: true }).catch(() => {})
          this.forget((f) => f.dir === dir)
          removed++
        }
      }
      return removed
    })
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.chain.then(op, op)
    this.chain = run.catch(() => {})
    return run
  }

  /**
   * The session's folder, made on request. Undefined when it, or its project's folder, is
   * anything but a real directory (a planted link would send writes or deletions elsewhere).
   */
  private async sessionDir(projectID: string, sessionID: string, create: boolean): Promise<string | undefined> {
    const projectDir = join(this.root, fileSafe(projectID))
    const dir = join(projectDir, fileSafe(sessionID))
    try {
      if (create) await mkdir(projectDir, { recursive: true })
      if (!(await lstat(projectDir)).isDirectory()) return undefined
      if (create) await mkdir(dir).catch((err) => (err.code === "EEXIST" ? undefined : Promise.reject(err)))
      return (await lstat(dir)).isDirectory() ? dir : undefined
    } catch {
      return undefined
    }
  }

  /** Oldest first, never the file just saved. */
  private async enforceLimits(): Promise<void> {
    while (this.files.length > 1 && (this.files.length > this.limits.maxFiles || this.bytes > this.limits.maxBytes)) {
      const oldest = this.files.shift()!
      this.bytes -= oldest.bytes
      await unlink(oldest.path).catch(() => {})
    }
  }

  private forget(match: (f: SavedFile) => boolean): void {
    for (let i = this.files.length - 1; i >= 0; i--) {
      if (!match(this.files[i]!)) continue
      this.bytes -= this.files[i]!.bytes
      this.files.splice(i, 1)
    }
  }
}

/** Names of the real directories in dir (no links, no files). */
async function realDirs(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  return entries.filter((e) => e.isDirectory()).map((e) => e.name)
}

/** The start-up clean-up on its own: session folders under root older than the retention time. */
export function pruneOutputs(root: string, now: number, retentionMs = OUTPUT_RETENTION_MS): Promise<number> {
  return new SavedOutputs(root).pruneOld(now, retentionMs)
}
