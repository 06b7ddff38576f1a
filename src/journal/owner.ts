/**
 * Who owns a journal file, and whether that owner still runs. Each plugin instance writes
 * only files named with its own id (`<pid>-<nonce>`), so two OpenCode processes on one data
 * folder never write the same file; a file is taken over only once its owner is gone.
 */
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { hostname } from "node:os"
import type { WriterInfo } from "./format"

/** Owner ids of the journals alive in this process (a reloaded plugin instance adopts a disposed one's files). */
const LIVE_KEY = Symbol.for("opencode-longrun.journal.live-owners")
function liveSet(): Set<string> {
  const g = globalThis as unknown as Record<symbol, Set<string> | undefined>
  g[LIVE_KEY] ??= new Set()
  return g[LIVE_KEY]
}

export function registerOwner(id: string): void {
  liveSet().add(id)
}

export function unregisterOwner(id: string): void {
  liveSet().delete(id)
}

/** The start time of a process in clock ticks since boot (Linux), or undefined. */
export function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    const start = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19])
    return Number.isFinite(start) ? start : undefined
  } catch {
    return undefined
  }
}

function bootID(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim().slice(0, 64) || undefined
  } catch {
    return undefined
  }
}

export function currentOwner(): WriterInfo {
  const pid = process.pid
  const boot = bootID()
  const start = processStart(pid)
  return {
    id: `${pid}-${randomBytes(4).toString("hex")}`,
    pid,
    host: hostname().slice(0, 256),
    ...(boot ? { boot } : {}),
    ...(start !== undefined ? { start } : {}),
  }
}

/**
 * Whether the owner of a file may still be writing it. Another host cannot be checked, so
 * its files are left alone; a process gone (or a pid reused since the owner started, or a
 * reboot since) is dead; in this process, an instance is alive until it is disposed.
 */
export function ownerAlive(owner: Pick<WriterInfo, "id" | "pid"> & Partial<WriterInfo>, me: WriterInfo): boolean {
  if (owner.id === me.id) return true
  if (owner.host !== undefined && owner.host !== me.host) return true
  if (owner.boot && me.boot && owner.boot !== me.boot) return false
  if (owner.pid === me.pid) return liveSet().has(owner.id)
  try {
    process.kill(owner.pid, 0)
  } catch (err) {
    // EPERM: it runs, as another user
    return (err as NodeJS.ErrnoException).code === "EPERM"
  }
  if (owner.start === undefined) return true
  const start = processStart(owner.pid)
  return start === undefined || start === owner.start
}
