/**
 * Runs the real OpenCode TUI (`opencode`, no subcommand) in a private tmux server at
 * 200x50, with the scripted model, this repo's server plugin in opencode.json and its
 * TUI module in tui.json. Reuses the e2e harness's config, XDG isolation and cache.
 */
import { spawnSync } from "node:child_process"
import { rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { startModelServer, type ModelServer } from "../../testkit/model-server"
import { buildConfig, OPENCODE_BIN, REPO_ROOT, type StartOptions, startOpencode } from "../../testkit/opencode"
import { seedConfigDir, unlock } from "../../testkit/opencode/config-cache"
import { cleanEnv } from "../../testkit/opencode/processes"
import { commitProject, scratchProject } from "../../testkit/opencode/project"

export const TUI_MODULE_URL = pathToFileURL(join(REPO_ROOT, "src/tui/index.tsx")).href

export function tmuxAvailable(): boolean {
  return spawnSync("tmux", ["-V"]).status === 0
}

export interface TuiHandle {
  model: ModelServer
  /** the process tmux started (opencode) */
  pid: number
  /** the TUI's own server, for the SDK (the TUI is started with --port) */
  baseUrl: string
  directory: string
  xdgState: string
  /** the visible pane as text */
  capture(): string
  /** tmux send-keys (literal text unless `keys` names keys, e.g. "Enter", "Escape") */
  type(text: string): void
  keys(...names: string[]): void
  waitFor(predicate: (pane: string) => boolean, what: string, timeoutMs?: number): Promise<string>
  stop(): Promise<void>
}

export async function startTui(
  opts: Pick<StartOptions, "script" | "pluginOptions" | "limit"> & {
    tuiPlugin?: boolean
    /** tui.json's plugin list instead of this repo's TUI module alone (e.g. with options) */
    tuiPlugins?: unknown[]
  } = {},
): Promise<TuiHandle> {
  const model = startModelServer({ script: opts.script, modelID: "scripted-model" })
  const { tmpRoot, directory, dirs } = scratchProject("opencode-longrun-tui-")
  writeFileSync(join(directory, "opencode.json"), JSON.stringify(buildConfig(opts, model.url), null, 2))
  writeFileSync(
    join(directory, "tui.json"),
    JSON.stringify(
      {
        $schema: "https://opencode.ai/tui.json",
        plugin: opts.tuiPlugins ?? (opts.tuiPlugin === false ? [] : [TUI_MODULE_URL]),
      },
      null,
      2,
    ),
  )
  commitProject(directory)
  let seeded = await seedConfigDir(join(dirs.XDG_CONFIG_HOME, "opencode"))
  if (seeded.ownsLock) {
    // First run on this machine (a fresh clone): let the headless harness do OpenCode's one-time
    // install and fill the cache, then seed from it.
    unlock()
    const warmup = await startOpencode({})
    await warmup.stop()
    seeded = await seedConfigDir(join(dirs.XDG_CONFIG_HOME, "opencode"))
    if (seeded.ownsLock) throw new Error("OpenCode's install cache could not be prepared")
  }

  const port = freePort()
  const socket = join(tmpRoot, "tmux.sock")
  const env = { ...cleanEnv({ TERM: "xterm-256color" }, dirs) }
  const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`)
  const tmux = (...args: string[]) => spawnSync("tmux", ["-S", socket, ...args], { encoding: "utf8" })
  const started = spawnSync(
    "tmux",
    [
      "-S",
      socket,
      "-f",
      "/dev/null",
      "new-session",
      "-d",
      "-x",
      "200",
      "-y",
      "50",
      "-c",
      directory,
      "env",
      "-i",
      ...envArgs,
      OPENCODE_BIN,
      "--port",
      String(port),
    ],
    {
      encoding: "utf8",
    },
  )
  if (started.status !== 0) throw new Error(`tmux new-session failed: ${started.stderr}`)
  const panePid = Number(tmux("display-message", "-p", "#{pane_pid}").stdout.trim())

  const capture = () => tmux("capture-pane", "-p").stdout ?? ""
  const handle: TuiHandle = {
    model,
    baseUrl: `http://127.0.0.1:${port}`,
    pid: panePid,
    directory,
    xdgState: dirs.XDG_STATE_HOME,
    capture,
    type: (text) => void tmux("send-keys", "-l", text),
    keys: (...names) => void tmux("send-keys", ...names),
    async waitFor(predicate, what, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs
      let pane = capture()
      while (!predicate(pane)) {
        if (Date.now() > deadline) throw new Error(`TUI: timed out waiting for ${what}\n--- pane ---\n${pane}`)
        await Bun.sleep(250)
        pane = capture()
      }
      return pane
    },
    async stop() {
      tmux("kill-server")
      try {
        if (panePid > 0) process.kill(panePid, "SIGKILL")
      } catch {
        // already gone
      }
      await model.close()
      if (process.env.KEEP_E2E === "1") process.stderr.write(`[tui] KEEP_E2E=1: kept ${tmpRoot}\n`)
      else rmSync(tmpRoot, { recursive: true, force: true })
    },
  }
  return handle
}

function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } })
  const port = server.port
  server.stop(true)
  return port
}

/** The sidebar column of a 200-column pane: the text right of the session view. */
export function sidebarOf(pane: string, from = 155): string {
  return pane
    .split("\n")
    .map((l) => l.slice(from).trimEnd())
    .join("\n")
}
