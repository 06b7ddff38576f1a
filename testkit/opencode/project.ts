import { mkdirSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { run } from "./processes"

export interface ScratchProject {
  /** everything of one run lives under here; removed when the run stops */
  tmpRoot: string
  /** the project OpenCode works in */
  directory: string
  /** isolated XDG directories, so a run touches nothing of the user's */
  dirs: { XDG_CONFIG_HOME: string; XDG_DATA_HOME: string; XDG_STATE_HOME: string; XDG_CACHE_HOME: string }
}

/** A fresh temporary project folder and XDG directories for one OpenCode run (headless or TUI). */
export function scratchProject(prefix: string): ScratchProject {
  const base = process.env.E2E_TMPDIR ?? tmpdir()
  mkdirSync(base, { recursive: true })
  const tmpRoot = mkdtempSync(join(base, prefix))
  const directory = join(tmpRoot, "project")
  const dirs = {
    XDG_CONFIG_HOME: join(tmpRoot, "config"),
    XDG_DATA_HOME: join(tmpRoot, "data"),
    XDG_STATE_HOME: join(tmpRoot, "state"),
    XDG_CACHE_HOME: join(tmpRoot, "cache"),
  }
  for (const d of [directory, ...Object.values(dirs)]) mkdirSync(d, { recursive: true })
  return { tmpRoot, directory, dirs }
}

/** Makes the project a git repository with one commit of what is in it: OpenCode's snapshots use git. */
export function commitProject(directory: string): void {
  run(["git", "init", "-q", "-b", "main"], directory)
  run(["git", "config", "user.name", "E2E Test"], directory)
  run(["git", "config", "user.email", "e2e@example.invalid"], directory)
  run(["git", "config", "commit.gpgsign", "false"], directory)
  run(["git", "add", "-A"], directory)
  run(["git", "commit", "-q", "-m", "initial"], directory)
}
