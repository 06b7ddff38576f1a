import { lstatSync, readdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { isAlive, readSmallFile, TEMP_NAME } from "../../sidebar/files"
import { parseSnapshot } from "../../sidebar/snapshot"

/** A file with no writer named in it (an older release's) goes when this old. */
export const ORPHAN_AGE_MS = 24 * 60 * 60_000
/** A temp file is renamed within milliseconds; one this old was left by a crash. */
const TEMP_AGE_MS = 60 * 60_000
/** Entries looked at per sweep: the folder is shared, and anyone can fill it. */
const MAX_ENTRIES = 5_000
const SNAPSHOT_NAME = /^[A-Za-z0-9_-]{1,128}\.json$/

export interface SweepResult {
  removed: number
  looked: number
}

/**
 * Removes what servers that are gone left in the snapshot folder (after a crash or a
 * SIGKILL nothing else would): snapshots whose writer process no longer exists, old
 * snapshots that name no writer, and stray temp files. Only regular files with our
 * names are touched; links, folders and FIFOs are left alone. Never throws.
 */
export function sweepDeadSnapshots(dir: string, now: number, alive: (pid: number) => boolean = isAlive): SweepResult {
  const result: SweepResult = { removed: 0, looked: 0 }
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return result
  }
  for (const name of names.slice(0, MAX_ENTRIES)) {
    const temp = TEMP_NAME.exec(name)
    if (!temp && !SNAPSHOT_NAME.test(name)) continue
    const path = join(dir, name)
    try {
      const st = lstatSync(path)
      if (!st.isFile()) continue
      result.looked++
      const age = now - st.mtimeMs
      let dead: boolean
      if (temp) dead = !alive(Number(temp[2])) || age > TEMP_AGE_MS
      else {
        const text = readSmallFile(path)
        const pid = text === undefined ? undefined : parseSnapshot(text)?.pid
        dead = pid !== undefined ? !alive(pid) : age > ORPHAN_AGE_MS
      }
      if (dead) {
        rmSync(path, { force: true })
        result.removed++
      }
    } catch {
      // gone already, or not ours to touch
    }
  }
  return result
}
