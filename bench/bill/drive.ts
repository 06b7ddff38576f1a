/**
 * One configuration of the bill bench: its own real OpenCode server against the scripted
 * model server with the faithful prompt cache, driven through every session in turn. Each
 * session starts on a cold cache (the server's clock moves 12 minutes first) with the
 * project's files as committed. A pause between turns moves the server's cache clock by 12
 * minutes and waits `pauseRealMs` in real time, so OpenCode's own timestamps show a gap
 * past the plugin's `prompt_cache_ttl_ms` too. Counts what the server's cache counted.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { type Reply, type Script, sequence } from "../../testkit/model-server"
import { outputTokens } from "../../testkit/model-server/reply"
import { DEFAULT_COMPACTION_REPLY, DEFAULT_TITLE_REPLY } from "../../testkit/model-server/scripts"
import { type ModelCost, type OpencodeHandle, startOpencode } from "../../testkit/opencode"
import { countSession, PAUSE_MS, type SessionCount } from "./count"
import { dcpObedient } from "./dcp"
import type { BillSession } from "./sessions"

export type { SessionCount }

export interface BillConfig {
  name: string
  /** "longrun": this plugin (options below); "dcp": DCP from `dcpEntry`; "prune": OpenCode's compaction.prune */
  kind: "none" | "longrun" | "dcp" | "prune"
  options?: Record<string, unknown>
}

export interface Route {
  /** which of OpenCode's providers speaks to the scripted server, and the catalogue prices it declares */
  api: "anthropic" | "openai"
  cost: ModelCost
  label: string
}

export interface ConfigRun {
  config: string
  route: string
  ok: boolean
  error?: string
  readyMs?: number
  sessions: SessionCount[]
  durationMs?: number
}

export interface DriveArgs {
  config: BillConfig
  route: Route
  sessions: BillSession[]
  pauseRealMs: number
  /** the plugin's prompt_cache_ttl_ms in this run: steps longer than it are counted */
  ttlMs: number
  dcpEntry?: string
  /** resolves when every server of the run is ready, so sessions run side by side */
  ready: Promise<unknown>
  onReady: () => void
  log: (msg: string) => void
}

/** All files every session needs, written before each session (what a session edited is undone). */
function resetFiles(dir: string, sessions: BillSession[]) {
  rmSync(join(dir, "build"), { recursive: true, force: true })
  for (const s of sessions)
    for (const [rel, text] of Object.entries(s.files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true })
      writeFileSync(join(dir, rel), text)
    }
}

export async function driveConfig(a: DriveArgs): Promise<ConfigRun> {
  const { config, route } = a
  const out: ConfigRun = { config: config.name, route: route.label, ok: false, sessions: [] }
  const outputs = new Map<number, number>()
  const dcpLog = { at: [] as number[] }
  let current: Script = sequence([])
  const routed: Script = (req, ctx) => current(req, ctx)
  const script: Script = async (req, ctx) => {
    const reply: Reply = await (config.kind === "dcp" ? dcpObedient(routed, dcpLog) : routed)(req, ctx)
    outputs.set(req.index, outputTokens(reply))
    return reply
  }
  let oc: OpencodeHandle | undefined
  const t0 = performance.now()
  try {
    oc = await startOpencode({
      api: route.api,
      cost: route.cost,
      plugin: config.kind === "longrun" ? undefined : false,
      pluginOptions: config.options,
      extraPlugins: config.kind === "dcp" ? [a.dcpEntry!] : [],
      config: { snapshot: false, ...(config.kind === "prune" ? { compaction: { prune: true } } : {}) },
      modelServer: route.api === "openai" ? { openaiCache: true } : {},
      limit: { context: 200_000, output: 8_000 },
      files: Object.assign({}, ...a.sessions.map((s) => s.files)),
      env: { OPENCODE_DISABLE_LSP_DOWNLOAD: "true" },
      logLevel: "INFO",
      script,
    }).finally(a.onReady)
    out.readyMs = performance.now() - t0
    // A first prompt outside the count: OpenCode's first step in a server is slow (it loads its
    // tools and provider), and a step past the plugin's short TTL would read as a cold cache.
    current = sequence([{ text: "Ready." }])
    await oc.runPrompt("Warm-up: say ready.", { timeoutMs: 300_000 })
    await a.ready
    const t1 = performance.now()
    for (const s of a.sessions) {
      resetFiles(oc.directory, a.sessions)
      oc.model.advanceClock(PAUSE_MS)
      const from = oc.model.requests.length
      const ts = performance.now()
      current = sequence(s.turns.flatMap((t) => t.replies))
      let sessionID: string | undefined
      for (const [i, turn] of s.turns.entries()) {
        if (i > 0 && s.pauses) {
          oc.model.advanceClock(PAUSE_MS)
          await Bun.sleep(a.pauseRealMs)
        }
        sessionID = await oc.runPrompt(turn.prompt, { sessionID, timeoutMs: 300_000 })
      }
      const reqs = oc.model.requests.slice(from)
      // BILL_DUMP=<dir>: each session's last agent request, to read what the model was sent.
      if (process.env.BILL_DUMP)
        writeFileSync(
          join(process.env.BILL_DUMP, `${config.kind}-${route.api}-${s.name.replace(/\W+/g, "-")}.json`),
          JSON.stringify(reqs.filter((r) => r.kind === "agent").at(-1)?.body, null, 1),
        )
      // Title and compaction requests got the server's automatic replies; the script never saw them.
      for (const r of reqs) {
        const auto = r.isTitle ? DEFAULT_TITLE_REPLY : r.isCompaction ? DEFAULT_COMPACTION_REPLY : undefined
        if (auto && !outputs.has(r.index)) outputs.set(r.index, outputTokens(auto))
      }
      const c = countSession(s.name, reqs, outputs, oc.eventsFor(sessionID!), a.ttlMs)
      c.compressAt = dcpLog.at.filter((i) => i >= from).map((i) => reqs.findIndex((r) => r.index === i))
      c.durationMs = performance.now() - ts
      out.sessions.push(c)
      a.log(`${config.name} / ${route.label} / ${s.name}: ${c.requests} requests in ${(c.durationMs / 1000).toFixed(0)} s`)
    }
    out.durationMs = performance.now() - t1
    out.ok = true
  } catch (err) {
    out.error = String(err instanceof Error ? err.message : err).slice(0, 1500)
    a.log(`${config.name} / ${route.label} failed: ${out.error.slice(0, 300)}`)
  } finally {
    await oc?.stop()
  }
  return out
}
