/**
 * Preloaded by `bun test` (bunfig.toml): what the plugin writes under XDG_DATA_HOME (the
 * journal, saved outputs) goes to a temporary folder of this run, never the user's own.
 * End-to-end tests give OpenCode their own folders anyway.
 */
import { afterAll } from "bun:test"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const dir = mkdtempSync(join(tmpdir(), "opencode-longrun-test-data-"))
process.env.XDG_DATA_HOME = dir
afterAll(() => rmSync(dir, { recursive: true, force: true }))
