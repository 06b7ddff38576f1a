/**
 * End-to-end harness: runs the real `opencode serve` against the scripted model server
 * (testkit/model-server) in an isolated temporary project, with our plugin loaded.
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
 * A restart: `oc.kill()` SIGKILLs OpenCode (and its tool processes) and keeps everything else;
 * `startOpencode({ ...opts, restartOf: oc })` starts it again on the same project, XDG folders
 * and model server (whose recorded requests go on), and takes them over: its stop() removes them.
 *
 * Env: KEEP_E2E=1 keeps the temp dirs (their path is printed); E2E_TMPDIR sets where they
 * go (default: the OS temp dir); E2E_LOG=1 echoes OpenCode's log to stderr live.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { createOpencodeClient, type OpencodeClient } from "@opencode-ai/sdk"
import { startModelServer, type ModelServer } from "../model-server"
import { buildConfig, OPENCODE_BIN, providerOf, type StartOptions } from "./config"
import { installComplete, saveConfigDir, seedConfigDir, unlock } from "./config-cache"
import { recordEvents, sessionOf, type E2EEvent } from "./events"
import { cleanEnv, killNow, killTree, tail, trackProcess, untrackProcess, withTimeout } from "./processes"
import { commitProject, scratchProject } from "./project"

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
  /** SIGKILL, as a crash: OpenCode and its tool processes die at once; folders and model server stay. */
  kill(): Promise<void>
  /** For a restart (StartOptions.restartOf): the folders and model server, which the new handle then owns. */
  handOver(): Reused
}

/** What a restarted OpenCode reuses of the run before it. */
export interface Reused {
  tmpRoot: string
  directory: string
  dirs: ReturnType<typeof scratchProject>["dirs"]
  model: ModelServer
}

export async function startOpencode(opts: StartOptions & { restartOf?: OpencodeHandle } = {}): Promise<OpencodeHandle> {
  const t0 = Date.now()
  const reused = opts.restartOf?.handOver()
  const model =
    reused?.model ??
    startModelServer({ ...opts.modelServer, script: opts.script, auto: opts.auto, modelID: providerOf(opts).modelID })
  if (reused && opts.script) model.setScript(opts.script, opts.auto)
  const { tmpRoot, directory, dirs } = reused ?? scratchProject("opencode-longrun-e2e-")
  const configOpencodeDir = join(dirs.XDG_CONFIG_HOME, "opencode")
  /** false once a restart took the folders and the model server over */
  let owned = true

  const keep = process.env.KEEP_E2E === "1"
  let ownsLock = false
  let proc: ChildProcess | undefined
  let stopped = false
  let logText = ""
  let exitInfo = ""

  const cleanup = async () => {
    if (stopped) return
    stopped = true
    if (proc) await killTree(proc)
    if (!owned) return
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
    if (!reused) {
      // Project: a git repo with one commit.
      writeFileSync(join(directory, "README.md"), "# e2e project\n")
      for (const [rel, text] of Object.entries(opts.files ?? {})) {
        const p = join(directory, rel)
        mkdirSync(resolve(p, ".."), { recursive: true })
        writeFileSync(p, text)
      }
    }
    // A restart may change the plugin's options; the project stays as the last run left it.
    writeFileSync(join(directory, "opencode.json"), JSON.stringify(buildConfig(opts, model.url), null, 2))
    if (!reused) commitProject(directory)

    const seeded = reused ? { ownsLock: false, usedCache: true } : await seedConfigDir(configOpencodeDir)
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
      if (proc?.pid) untrackProcess(proc.pid)
      onExit?.(`opencode exited early (code ${code}, signal ${signal})\n--- log tail ---\n${tail(logText, 60)}`)
    })
    proc.once("error", (err) => onExit?.(`could not spawn ${OPENCODE_BIN}: ${err.message}`))

    const startTimeout = opts.startTimeoutMs ?? 240_000
    const baseUrl = await withTimeout(
      listening,
      startTimeout,
      () => `opencode did not print its URL within ${startTimeout} ms`,
      () => logText,
    )
    const spawnToListenMs = Date.now() - spawnedAt

    const client = createOpencodeClient({ baseUrl, directory })
    const { events, waitForEvent } = await recordEvents(client, {
      stopped: () => stopped,
      exitInfo: () => exitInfo,
      logText: () => logText,
    })

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
      if (failed.length > 0)
        throw new Error(
          `OpenCode failed to load a plugin:\n${failed.join("\n")}\n--- opencode log tail ---\n${tail(logText, 40)}`,
        )
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
      async kill() {
        if (proc) await killNow(proc)
      },
      handOver() {
        owned = false
        return { tmpRoot, directory, dirs, model }
      },
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
