import { mkdir, readdir, rm, stat, writeFile } from "node:fs/promises"
import { homedir } from "node:os"
import { join } from "node:path"

/** Saved outputs older than this are deleted when the plugin starts. */
export const OUTPUT_RETENTION_MS = 7 * 24 * 60 * 60_000

/**
 * Where full tool outputs go: the user's data directory (XDG_DATA_HOME, as OpenCode
 * uses), per project and session, outside the repository so that nothing is committed
 * or snapshotted by accident.
 */
export function outputsRoot(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.XDG_DATA_HOME && env.XDG_DATA_HOME.length > 0 ? env.XDG_DATA_HOME : join(homedir(), ".local", "share")
  return join(data, "opencode-longrun", "outputs")
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 120)

export function headAndTail(output: string, capBytes: number, path: string): string {
  const half = Math.max(1, Math.floor(capBytes / 2))
  const total = Buffer.byteLength(output, "utf8")
  // Characters, not bytes, for the slices: close enough, and never splits a code point.
  const head = output.slice(0, half)
  const tail = output.slice(-half)
  return (
    `${head}\n\n[longrun] Output truncated: ${total.toLocaleString("en-US")} bytes in all; the first and last ` +
    `${half.toLocaleString("en-US")} characters are shown. The full output is saved in ${path}; read it with the read tool if you need the middle.\n\n${tail}`
  )
}

/** Writes the full output; returns its path, or undefined if it could not be saved. */
export async function saveOutput(
  root: string,
  projectID: string,
  sessionID: string,
  callID: string,
  output: string,
): Promise<string | undefined> {
  const dir = join(root, safe(projectID), safe(sessionID))
  const path = join(dir, `${safe(callID)}.txt`)
  try {
    await mkdir(dir, { recursive: true })
    await writeFile(path, output, "utf8")
    return path
  } catch {
    return undefined
  }
}

/** Deletes session folders of saved outputs not touched for the retention time. */
export async function pruneOutputs(root: string, now: number, retentionMs = OUTPUT_RETENTION_MS): Promise<number> {
  let removed = 0
  const projects = await readdir(root).catch(() => [] as string[])
  for (const p of projects) {
    const sessions = await readdir(join(root, p)).catch(() => [] as string[])
    for (const s of sessions) {
      const dir = join(root, p, s)
      const info = await stat(dir).catch(() => undefined)
      if (info && now - info.mtimeMs > retentionMs) {
        await rm(dir, { recursive: true, force: true }).catch(() => {})
        removed++
      }
    }
  }
  return removed
}
