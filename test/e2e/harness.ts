/**
 * End-to-end harness: runs the real `opencode serve` against the scripted model server
 * (model-server.ts) in an isolated temporary project, with our plugin loaded.
 *
 *   const oc = await startOpencode({ script: sequence([...]), pluginOptions: { ... } })
 *   const sessionID = await oc.runPrompt("do the thing")
 *   expect(oc.model.agentRequests()).toHaveLength(2)
 *   await oc.stop()
 *
 * Isolation: a fresh git repository as the project and fresh XDG_CONFIG/DATA/STATE/CACHE
 * dirs per start. OpenCode installs `@opencode-ai/plugin` (and its dependencies, ~60 MB)
 * into `$XDG_CONFIG_HOME/opencode` the first time it sees a config dir; that directory is
 * cached under node_modules/.cache/opencode-longrun-e2e/ and copied into each run.
 *
 * Env: KEEP_E2E=1 keeps the temp dirs (their path is printed); E2E_TMPDIR sets where they
 * go (default: the OS temp dir); E2E_LOG=1 echoes OpenCode's log to stderr live.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import { createOpencodeClient, type OpencodeClient } from "@opencode-ai/sdk"
import { startModelServer, type AutoReplies, type ModelServer, type Script } from "./model-server"

export const REPO_ROOT = resolve(import.meta.dir, "../..")
/** E2E_OPENCODE_BIN runs another opencode binary (the compat runner, test/compat/run.ts, sets it). */
export const OPENCODE_BIN = process.env.E2E_OPENCODE_BIN || join(REPO_ROOT, "node_modules/.bin/opencode")
export const DEFAULT_PLUGIN_URL = pathToFileURL(join(REPO_ROOT, "src/index.ts")).href
export const CACHE_ROOT = join(REPO_ROOT, "node_modules/.cache/opencode-longrun-e2e")
export const PROVIDER_ID = "scripted"
export const MODEL_ID = "scripted-model"

/** An event as it arrives over `/event`. Looser than the SDK's `Event` union, which misses some real types. */
export interface E2EEvent {
  id?: string
  type: string
  properties: any
  /** ms since epoch when the harness received it */
  receivedAt: number
}

export type PluginSpec = string | [string, Record<string, unknown>]

export interface StartOptions {
  /** Scripts the model's replies. Default: every agent turn answers "Done.". */
  script?: Script
  /** Automatic replies for title and compaction requests (see model-server.ts). */
  auto?: AutoReplies
  /** Plugin entry: file:// URL or absolute path. Default: this repo's src/index.ts. `false`: load none. */
  plugin?: string | false
  /** Second element of the plugin tuple (the plugin's options). */
  pluginOptions?: Record<string, unknown>
  /** More plugins, loaded after the main one. */
  extraPlugins?: PluginSpec[]
  /** Model limits. Defaults: context 20000, output 2000. */
  limit?: { context?: number; output?: number; input?: number }
  /** Deep-merged into opencode.json last (e.g. `{ snapshot: false, compaction: { auto: false } }`). */
  config?: Record<string, unknown>
  /** Files written into the project (relative paths) before its initial commit. */
  files?: Record<string, string>
  /** Extra environment for the opencode process. */
  env?: Record<string, string>
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR"
  /** Time allowed for spawn + bootstrap (includes the one-time install). Default 240 s. */
  startTimeoutMs?: number
  /**
   * OpenCode only logs "failed to load plugin" and carries on without it. By default
   * startOpencode throws instead; set true to allow it (e.g. to test a broken plugin).
   */
  allowPluginLoadErrors?: boolean
}

export interface RunPromptOptions {
  /** Reuse a session instead of creating one. */
  sessionID?: string
  title?: string
  agent?: string
  /** Wait for session.idle (default true). */
  wait?: boolean
  timeoutMs?: number
}

export interface OpencodeHandle {
  client: OpencodeClient
  baseUrl: string
  /** The project directory (a git repo). */
  directory: string
  /** Root of this run's temp dirs (project, config, data, state, cache). */
  tmpRoot: string
  model: ModelServer
  /** Every event received so far, in order. */
  events: E2EEvent[]
  pid: number
  timings: { spawnToListenMs: number; spawnToReadyMs: number; providerInstalled: boolean; usedCache: boolean }
  /** Everything OpenCode printed (stdout + stderr). */
  logs(): string
  logTail(lines?: number): string
  /** events.length now; pass it as `since` to only see later events. */
  mark(): number
  /** First event (at index >= since, default 0) matching the predicate. */
  waitForEvent(predicate: (e: E2EEvent) => boolean, timeoutMs?: number, since?: number): Promise<E2EEvent>
  /** session.idle for the session, at index >= since (default: events from now on). */
  waitForIdle(sessionID: string, timeoutMs?: number, since?: number): Promise<E2EEvent>
  /** Events whose `properties.sessionID` (or `properties.info.sessionID`/`part.sessionID`) is the session. */
  eventsFor(sessionID: string): E2EEvent[]
  /** Creates a session (unless given one), sends the prompt with promptAsync, waits for idle; returns the session id. */
  runPrompt(text: string, opts?: RunPromptOptions): Promise<string>
  /** Kills OpenCode (and its process group), closes the model server, removes temp dirs unless KEEP_E2E=1. */
  stop(): Promise<void>
}

// ---------------------------------------------------------------------------------------

function opencodeVersion(): string {
  try {
    // An overriding binary lives in <package>/bin/opencode: its package.json names the version.
    const pkg = process.env.E2E_OPENCODE_BIN ? resolve(process.env.E2E_OPENCODE_BIN, "../../package.json") : join(REPO_ROOT, "node_modules/opencode-ai/package.json")
    return JSON.parse(readFileSync(pkg, "utf8")).version
  } catch {
    return "unknown"
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

export function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(extra)) {
    const cur = out[k]
    out[k] = isPlainObject(cur) && isPlainObject(v) ? deepMerge(cur, v) : v
  }
  return out
}

function run(cmd: string[], cwd: string) {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd, encoding: "utf8" })
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`)
}

function toPluginUrl(p: string): string {
  // Absolute paths become file:// URLs; file:// URLs and npm package names pass through.
  return p.startsWith("/") ? pathToFileURL(p).href : p
}

export function buildConfig(opts: StartOptions, modelUrl: string): Record<string, unknown> {
  const plugins: PluginSpec[] = []
  if (opts.plugin !== false) plugins.push([toPluginUrl(opts.plugin ?? DEFAULT_PLUGIN_URL), opts.pluginOptions ?? {}])
  for (const p of opts.extraPlugins ?? []) plugins.push(typeof p === "string" ? toPluginUrl(p) : [toPluginUrl(p[0]), p[1]])
  const limit: Record<string, number> = { context: opts.limit?.context ?? 20000, output: opts.limit?.output ?? 2000 }
  if (opts.limit?.input !== undefined) limit.input = opts.limit.input
  const base: Record<string, unknown> = {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    provider: {
      [PROVIDER_ID]: {
        npm: "@ai-sdk/openai-compatible",
        name: "Scripted",
        options: { baseURL: modelUrl, apiKey: "e2e" },
        models: { [MODEL_ID]: { name: "Scripted", limit, tool_call: true } },
      },
    },
    model: `${PROVIDER_ID}/${MODEL_ID}`,
    small_model: `${PROVIDER_ID}/${MODEL_ID}`,
    permission: { "*": "allow", question: "deny" },
    plugin: plugins,
  }
  return opts.config ? deepMerge(base, opts.config) : base
}

// ---------------------------------------------------------------------------------------
// Persistent cache of $XDG_CONFIG_HOME/opencode (OpenCode's one-time npm install).

const CONFIG_CACHE = join(CACHE_ROOT, `config-opencode-${opencodeVersion()}`)
const CACHE_LOCK = `${CONFIG_CACHE}.lock`
const READY_MARKER = ".e2e-cache-ready"
const LOCK_STALE_MS = 10 * 60_000

function cacheReady(): boolean {
  return existsSync(join(CONFIG_CACHE, READY_MARKER))
}

function installComplete(configOpencodeDir: string): boolean {
  return (
    existsSync(join(configOpencodeDir, "node_modules/@opencode-ai/plugin/package.json")) &&
    // npm writes package-lock.json (1.14 on); older releases install with Bun (bun.lock).
    (existsSync(join(configOpencodeDir, "package-lock.json")) || existsSync(join(configOpencodeDir, "bun.lock")))
  )
}

function tryLock(): boolean {
  mkdirSync(CACHE_ROOT, { recursive: true })
  try {
    mkdirSync(CACHE_LOCK)
    return true
  } catch {
    try {
      if (Date.now() - statSync(CACHE_LOCK).mtimeMs > LOCK_STALE_MS) {
        rmSync(CACHE_LOCK, { recursive: true, force: true })
        mkdirSync(CACHE_LOCK)
        return true
      }
    } catch {
      // someone else got it
    }
    return false
  }
}

function unlock() {
  rmSync(CACHE_LOCK, { recursive: true, force: true })
}

/**
 * Seeds `$XDG_CONFIG_HOME/opencode` from the cache. Returns whether it did, and whether
 * this run holds the lock (and so should save its install into the cache).
 */
async function seedConfigDir(target: string): Promise<{ usedCache: boolean; ownsLock: boolean }> {
  if (cacheReady()) {
    run(["cp", "-a", CONFIG_CACHE, target], REPO_ROOT)
    return { usedCache: true, ownsLock: false }
  }
  if (tryLock()) return { usedCache: false, ownsLock: true }
  // Another run is installing: wait for it (bounded), then use its result.
  const deadline = Date.now() + 180_000
  while (Date.now() < deadline && existsSync(CACHE_LOCK) && !cacheReady()) await Bun.sleep(500)
  if (cacheReady()) {
    run(["cp", "-a", CONFIG_CACHE, target], REPO_ROOT)
    return { usedCache: true, ownsLock: false }
  }
  return { usedCache: false, ownsLock: tryLock() }
}

function saveConfigDir(source: string): boolean {
  if (cacheReady() || !installComplete(source)) return false
  const tmp = `${CONFIG_CACHE}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  try {
    run(["cp", "-a", source, tmp], REPO_ROOT)
    writeFileSync(join(tmp, READY_MARKER), `${new Date().toISOString()} opencode ${opencodeVersion()}\n`)
    renameSync(tmp, CONFIG_CACHE)
    return true
  } catch {
    rmSync(tmp, { recursive: true, force: true })
    return false
  }
}

// ---------------------------------------------------------------------------------------

function cleanEnv(extra: Record<string, string> | undefined, dirs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue
    // Don't let an outer OpenCode session or real provider keys leak into the run.
    if (k.startsWith("OPENCODE_") || /_API_KEY$/.test(k) || k.startsWith("XDG_")) continue
    env[k] = v
  }
  return {
    ...env,
    ...dirs,
    OPENCODE_DISABLE_AUTOUPDATE: "true",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "true",
    OPENCODE_DISABLE_MODELS_FETCH: "true",
    OPENCODE_DISABLE_CLAUDE_CODE: "true",
    OPENCODE_DISABLE_SHARE: "true",
    ...extra,
  }
}

// Live OpenCode processes, killed synchronously if the test process exits without stop()
// (a timed-out beforeAll, an uncaught error): they are detached, so nothing else would.
const live = new Set<number>()
let exitHookInstalled = false
function trackProcess(pid: number) {
  live.add(pid)
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const p of live) signalAll(p, [p, ...descendants(p)], "SIGKILL")
  })
}

function sessionOf(e: E2EEvent): string | undefined {
  const p = e.properties
  if (!p || typeof p !== "object") return undefined
  return p.sessionID ?? p.info?.sessionID ?? p.part?.sessionID
}

export async function startOpencode(opts: StartOptions = {}): Promise<OpencodeHandle> {
  const t0 = Date.now()
  const model = startModelServer({ script: opts.script, auto: opts.auto, modelID: MODEL_ID })
  const base = process.env.E2E_TMPDIR ?? tmpdir()
  mkdirSync(base, { recursive: true })
  const tmpRoot = mkdtempSync(join(base, "opencode-longrun-e2e-"))
  const directory = join(tmpRoot, "project")
  const dirs = {
    XDG_CONFIG_HOME: join(tmpRoot, "config"),
    XDG_DATA_HOME: join(tmpRoot, "data"),
    XDG_STATE_HOME: join(tmpRoot, "state"),
    XDG_CACHE_HOME: join(tmpRoot, "cache"),
  }
  for (const d of [directory, ...Object.values(dirs)]) mkdirSync(d, { recursive: true })
  const configOpencodeDir = join(dirs.XDG_CONFIG_HOME, "opencode")

  const keep = process.env.KEEP_E2E === "1"
  let ownsLock = false
  let proc: ChildProcess | undefined
  let stopped = false
  let logText = ""
  let exitInfo = ""

  const cleanup = async () => {
    if (stopped) return
    stopped = true
    if (proc && proc.exitCode === null && proc.signalCode === null && proc.pid) {
      const pid = proc.pid
      // OpenCode starts tool processes (bash) in their own process groups, so killing
      // OpenCode's group is not enough: collect every descendant first (they get
      // reparented once OpenCode exits), then signal them by pid.
      const tree = [pid, ...descendants(pid)]
      const exited = new Promise<void>((r) => proc!.once("exit", () => r()))
      signalAll(pid, tree, "SIGTERM")
      const done = await Promise.race([exited.then(() => true), Bun.sleep(3000).then(() => false)])
      signalAll(pid, [...tree, ...descendants(pid)], "SIGKILL")
      if (!done) await Promise.race([exited, Bun.sleep(2000)])
      live.delete(pid)
    }
    // A run that installed the provider packages leaves them for the next ones.
    if (ownsLock) {
      saveConfigDir(configOpencodeDir)
      unlock()
      ownsLock = false
    }
    await model.close()
    if (keep) process.stderr.write(`[e2e] KEEP_E2E=1: kept ${tmpRoot}\n`)
    else rmSync(tmpRoot, { recursive: true, force: true })
  }

  try {
    // Project: a git repo with one commit.
    writeFileSync(join(directory, "README.md"), "# e2e project\n")
    for (const [rel, text] of Object.entries(opts.files ?? {})) {
      const p = join(directory, rel)
      mkdirSync(resolve(p, ".."), { recursive: true })
      writeFileSync(p, text)
    }
    writeFileSync(join(directory, "opencode.json"), JSON.stringify(buildConfig(opts, model.url), null, 2))
    run(["git", "init", "-q", "-b", "main"], directory)
    run(["git", "config", "user.name", "E2E Test"], directory)
    run(["git", "config", "user.email", "e2e@example.invalid"], directory)
    run(["git", "config", "commit.gpgsign", "false"], directory)
    run(["git", "add", "-A"], directory)
    run(["git", "commit", "-q", "-m", "initial"], directory)

    const seeded = await seedConfigDir(configOpencodeDir)
    ownsLock = seeded.ownsLock

    const args = ["serve", "--port", "0", "--hostname", "127.0.0.1", "--print-logs", "--log-level", opts.logLevel ?? "DEBUG"]
    const spawnedAt = Date.now()
    proc = spawn(OPENCODE_BIN, args, {
      cwd: directory,
      env: cleanEnv(opts.env, dirs),
      stdio: ["ignore", "pipe", "pipe"],
      // Own process group, so stop() can kill OpenCode's children (bash tool runs) too.
      detached: true,
    })
    if (proc.pid) trackProcess(proc.pid)
    const echo = process.env.E2E_LOG === "1"
    let onListen: ((url: string) => void) | undefined
    let onExit: ((msg: string) => void) | undefined
    const listening = new Promise<string>((res, rej) => {
      onListen = res
      onExit = (msg) => rej(new Error(msg))
    })
    const onData = (chunk: Buffer) => {
      const s = chunk.toString("utf8")
      logText += s
      if (echo) process.stderr.write(s)
      if (!onListen) return
      const m = logText.match(/listening on (http:\/\/[^\s]+)/)
      if (m) {
        onListen(m[1]!)
        onListen = undefined
      }
    }
    proc.stdout!.on("data", onData)
    proc.stderr!.on("data", onData)
    proc.once("exit", (code, signal) => {
      exitInfo = `opencode exited (code ${code}, signal ${signal})`
      if (proc?.pid) live.delete(proc.pid)
      onExit?.(`opencode exited early (code ${code}, signal ${signal})\n--- log tail ---\n${tail(logText, 60)}`)
    })
    proc.once("error", (err) => onExit?.(`could not spawn ${OPENCODE_BIN}: ${err.message}`))

    const startTimeout = opts.startTimeoutMs ?? 240_000
    const baseUrl = await withTimeout(listening, startTimeout, () => `opencode did not print its URL within ${startTimeout} ms`, () => logText)
    const spawnToListenMs = Date.now() - spawnedAt

    const client = createOpencodeClient({ baseUrl, directory })
    const events: E2EEvent[] = []
    const waiters = new Set<() => void>()
    const notify = () => {
      for (const w of [...waiters]) w()
    }
    let streamError: unknown
    // No abort signal: the SDK's SSE reader turns an abort into an unhandled rejection
    // (`void reader.cancel()`). The stream ends when stop() kills OpenCode instead, and
    // sseMaxRetryAttempts: 1 keeps it from reconnecting after that.
    const sub = await client.event.subscribe({
      sseMaxRetryAttempts: 1,
      onSseError: (e) => {
        if (!stopped) streamError = e
      },
    })
    ;(async () => {
      try {
        for await (const ev of sub.stream as AsyncIterable<any>) {
          if (!ev || typeof ev !== "object" || typeof ev.type !== "string") continue
          events.push({ ...ev, receivedAt: Date.now() })
          notify()
        }
      } catch (e) {
        if (!stopped) streamError = e
      }
    })()

    const waitForEvent = (predicate: (e: E2EEvent) => boolean, timeoutMs = 30_000, since = 0): Promise<E2EEvent> => {
      let scanned = since
      const scan = () => {
        for (; scanned < events.length; scanned++) if (predicate(events[scanned]!)) return events[scanned]!
        return undefined
      }
      const found = scan()
      if (found) return Promise.resolve(found)
      return new Promise((res, rej) => {
        const w = () => {
          const e = scan()
          if (e) {
            clearTimeout(timer)
            waiters.delete(w)
            res(e)
          }
        }
        const timer = setTimeout(() => {
          waiters.delete(w)
          const recent = events
            .slice(-15)
            .map((e) => `  ${e.type} ${JSON.stringify(e.properties).slice(0, 160)}`)
            .join("\n")
          rej(
            new Error(
              `waitForEvent timed out after ${timeoutMs} ms (${events.length} events` +
                `${streamError ? `, stream error: ${String(streamError)}` : ""}${exitInfo ? `, ${exitInfo}` : ""})\n` +
                `--- last events ---\n${recent}\n--- opencode log tail ---\n${tail(logText, 40)}`,
            ),
          )
        }, timeoutMs)
        waiters.add(w)
      })
    }

    // Ready = event stream connected and the project instance bootstrapped (plugins loaded).
    await waitForEvent((e) => e.type === "server.connected", startTimeout)
    const boot = await withTimeout(
      client.config.get(),
      startTimeout,
      () => `opencode did not finish bootstrapping within ${startTimeout} ms`,
      () => logText,
    )
    if (boot.error) throw new Error(`config.get failed: ${JSON.stringify(boot.error)}\n${tail(logText, 40)}`)
    const spawnToReadyMs = Date.now() - spawnedAt
    if (!opts.allowPluginLoadErrors) {
      const failed = logText.split("\n").filter((l) => l.includes("failed to load plugin"))
      if (failed.length > 0) throw new Error(`OpenCode failed to load a plugin:\n${failed.join("\n")}\n--- opencode log tail ---\n${tail(logText, 40)}`)
    }
    const providerInstalled = installComplete(configOpencodeDir)
    if (ownsLock && providerInstalled && saveConfigDir(configOpencodeDir)) {
      unlock()
      ownsLock = false
    }

    const handle: OpencodeHandle = {
      client,
      baseUrl,
      directory,
      tmpRoot,
      model,
      events,
      pid: proc.pid!,
      timings: { spawnToListenMs, spawnToReadyMs, providerInstalled, usedCache: seeded.usedCache },
      logs: () => logText,
      logTail: (n = 40) => tail(logText, n),
      mark: () => events.length,
      waitForEvent,
      waitForIdle(sessionID, timeoutMs = 60_000, since = events.length) {
        return waitForEvent((e) => e.type === "session.idle" && e.properties?.sessionID === sessionID, timeoutMs, since).catch(
          (err: Error) => {
            throw new Error(`session ${sessionID} did not go idle: ${err.message}`)
          },
        )
      },
      eventsFor: (sessionID) => events.filter((e) => sessionOf(e) === sessionID),
      async runPrompt(text, ro = {}) {
        let sessionID = ro.sessionID
        if (!sessionID) {
          const created = await client.session.create({ body: ro.title ? { title: ro.title } : {} })
          if (!created.data) throw new Error(`session.create failed: ${JSON.stringify(created.error)}\n${tail(logText, 40)}`)
          sessionID = created.data.id
        }
        const since = events.length
        const sent = await client.session.promptAsync({
          path: { id: sessionID },
          body: { parts: [{ type: "text", text }], ...(ro.agent ? { agent: ro.agent } : {}) },
        })
        if (sent.error) throw new Error(`promptAsync failed: ${JSON.stringify(sent.error)}\n${tail(logText, 40)}`)
        if (ro.wait !== false) await handle.waitForIdle(sessionID, ro.timeoutMs ?? 60_000, since)
        return sessionID
      },
      stop: cleanup,
    }
    if (process.env.E2E_TIMINGS === "1")
      process.stderr.write(
        `[e2e] opencode ready in ${spawnToReadyMs} ms (listen ${spawnToListenMs} ms, cache ${seeded.usedCache ? "hit" : "miss"}, total ${Date.now() - t0} ms)\n`,
      )
    return handle
  } catch (err) {
    await cleanup()
    throw err
  }
}

/** Pids of all live descendants of `root` (Linux /proc). */
function descendants(root: number): number[] {
  const children = new Map<number, number[]>()
  let entries: string[] = []
  try {
    entries = readdirSync("/proc")
  } catch {
    return []
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8")
      // pid (comm) state ppid ...: comm may contain spaces, so parse after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      const list = children.get(ppid) ?? []
      list.push(Number(name))
      children.set(ppid, list)
    } catch {
      // process went away
    }
  }
  const out: number[] = []
  const stack = [root]
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c)
      stack.push(c)
    }
  }
  return out
}

function signalAll(groupLeader: number, pids: number[], signal: NodeJS.Signals) {
  try {
    process.kill(-groupLeader, signal)
  } catch {
    // group already gone
  }
  for (const p of pids) {
    try {
      process.kill(p, signal)
    } catch {
      // already gone
    }
  }
}

function tail(text: string, lines: number): string {
  const all = text.split("\n")
  return all.slice(-lines).join("\n")
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: () => string, log: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const t = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what()}\n--- opencode log tail ---\n${tail(log(), 40)}`)), ms)
  })
  try {
    return await Promise.race([p, t])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * The first `longrun_status` report in JSON form that reached the model as a tool
 * result (its `clientCalls` key marks it), parsed; undefined if none did.
 */
export function longrunReport(oc: Pick<OpencodeHandle, "model">): any {
  const json = oc.model.requests.flatMap((r) => r.toolResults).find((t) => t.content.includes('"clientCalls"'))
  return json ? JSON.parse(json.content) : undefined
}

/** Assistant `message.updated` infos of a session (last update of each message wins). */
export function assistantMessages(events: E2EEvent[], sessionID?: string): any[] {
  const byId = new Map<string, any>()
  for (const e of events) {
    if (e.type !== "message.updated") continue
    const info = e.properties?.info
    if (!info || info.role !== "assistant") continue
    if (sessionID && info.sessionID !== sessionID) continue
    byId.set(info.id, info)
  }
  return [...byId.values()]
}
