import { createHash } from "node:crypto"
import { homedir } from "node:os"
import { join } from "node:path"

/**
 * Where full tool outputs go: the user's data directory (XDG_DATA_HOME, as OpenCode
 * uses), per project and session, outside the repository so that nothing is committed
 * or snapshotted by accident.
 */
export function outputsRoot(env: NodeJS.ProcessEnv = process.env): string {
  const data = env.XDG_DATA_HOME && env.XDG_DATA_HOME.length > 0 ? env.XDG_DATA_HOME : join(homedir(), ".local", "share")
  return join(data, "opencode-longrun", "outputs")
}

const PLAIN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}$/

/**
 * A file name for an id, one-to-one: a plain id (OpenCode's `ses_...`, `call_...`) is used
 * as it is; any other gets a readable prefix and a hash of the whole id after a `~`, which
 * no plain name contains, so `call/1` and `call:1` (or two long ids) never share a name.
 */
export function fileSafe(id: unknown): string {
  const s = typeof id === "string" ? id : String(id)
  if (PLAIN.test(s)) return s
  const hash = createHash("sha256").update(s).digest("hex").slice(0, 16)
  return `${s.replace(/[^A-Za-z0-9_.-]/g, "_").slice(0, 60)}~${hash}`
}

export function headAndTail(output: string, capBytes: number, path: string): string {
  const half = Math.max(1, Math.floor(capBytes / 2))
  const total = Buffer.byteLength(output, "utf8")
  // Characters, not bytes, for the slices: close enough, and never splits a code point.
  const head = output.slice(0, half)
  const tail = output.slice(-half)
  return (
    `${head}\n\n[longrun] Output truncated: ${total.toLocaleString("en-US")} bytes in all; the first and last ` +
    `${half.toLocaleString("en-US")} characters are shown. The full output is saved in ${path}; read it with ` +
    `the read tool if you need the middle (it is kept while this session is active).\n\n${tail}`
  )
}
