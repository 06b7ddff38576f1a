/**
 * Where the TUI half reads: the folder the server half writes. The TUI learns it from
 * the server's own config (api.state.config: the plugin entry and its sidebar_dir) and
 * state path, so one setting in opencode.json reaches both halves. A `dir` given to the
 * TUI half in tui.json that disagrees is reported, and the server's folder wins.
 */
import { dirname, isAbsolute, join, resolve, sep } from "node:path"
import { fileURLToPath } from "node:url"
import { sidebarDir } from "../sidebar/snapshot"

export interface ServerView {
  /** the server's config plugin list (strings or [spec, options]) */
  plugins?: ReadonlyArray<unknown>
  /** the server's state folder ($XDG_STATE_HOME/opencode) */
  statePath?: string
  /** the project folder, for a relative sidebar_dir */
  directory?: string
}

export interface Located {
  dir: string
  /** one short line when the halves disagree, or the server half is not in the config */
  problem?: string
  /** the same with the folders named, for the details dialog and a toast */
  detail?: string
  /** the server half was found in the server's config */
  serverFound: boolean
}

/** This package's root folder (src/tui/ -> the root), to recognise its server entry. */
const OWN_ROOT = (() => {
  try {
    return dirname(dirname(dirname(fileURLToPath(import.meta.url))))
  } catch {
    return undefined
  }
})()

/** Whether a plugin spec names this package's server half. */
export function isOurServer(spec: string, ownRoot = OWN_ROOT): boolean {
  if (/^opencode-longrun(@[^/]+)?(\/server)?$/.test(spec)) return true
  let path: string
  try {
    path = spec.startsWith("file:") ? fileURLToPath(spec) : spec
  } catch {
    return false
  }
  if (!isAbsolute(path)) return false
  if (path.includes(`${sep}node_modules${sep}opencode-longrun${sep}`)) return true
  return ownRoot !== undefined && path.startsWith(ownRoot + sep) && !path.includes(`${sep}tui${sep}`)
}

/** Our entry's options in the server's plugin list, or undefined when it is not there. */
function ourEntry(plugins: ReadonlyArray<unknown>, ownRoot?: string): Record<string, unknown> | undefined {
  for (const p of plugins) {
    const spec = typeof p === "string" ? p : Array.isArray(p) && typeof p[0] === "string" ? p[0] : undefined
    if (!spec || !isOurServer(spec, ownRoot)) continue
    const opts = Array.isArray(p) ? p[1] : undefined
    return opts && typeof opts === "object" ? (opts as Record<string, unknown>) : {}
  }
  return undefined
}

export function locateDir(
  server: ServerView,
  tuiDir: string | undefined,
  env: Record<string, string | undefined> = process.env,
  ownRoot?: string,
): Located {
  const base = server.directory || process.cwd()
  const own = tuiDir ? resolve(base, tuiDir) : undefined
  const entry = server.plugins ? ourEntry(server.plugins, ownRoot ?? OWN_ROOT) : undefined
  if (!entry) {
    // Not listed (or listed under a name we cannot tell): read what we would have read anyway.
    const problem = server.plugins ? "server half not in opencode.json?" : undefined
    const dir = own ?? sidebarDir(env)
    return { dir, serverFound: false, problem, detail: problem && `${problem} Reading ${dir}.` }
  }
  const option = typeof entry.sidebar_dir === "string" && entry.sidebar_dir ? entry.sidebar_dir : undefined
  const dir = option
    ? resolve(base, option)
    : server.statePath
      ? join(dirname(server.statePath), "opencode-longrun", "sidebar")
      : sidebarDir(env)
  if (own && own !== dir) {
    return {
      dir,
      serverFound: true,
      problem: "tui.json dir ≠ server's sidebar_dir",
      detail: `tui.json gives the TUI half dir ${own}, but the server half writes to ${dir} (its sidebar_dir): reading the server's folder. Set sidebar_dir in opencode.json only.`,
    }
  }
  return { dir, serverFound: true }
}
