/**
 * Part 4: the real OpenCode binary driven by the scripted model through one long
 * session (many tool steps with large bash outputs), once per configuration: no
 * plugin, this plugin, and the published oh-my-opencode plugin if it installs and
 * loads. RSS of the opencode process is sampled from /proc/<pid>/status every 200 ms.
 * The servers start one after another (they share the provider install cache), then all
 * sessions run at the same time: the three runs see the same machine load, and the part
 * fits the bench's ten-minute budget on two cores.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import type { Reply, Script } from "../../testkit/model-server"
import { argJson, emit, progress } from "../lib/worker-io"

interface Args {
  prompts: number
  stepsPerPrompt: number
  outputBytes: number
  /** "none", "longrun", "oh-my-opencode"; a second "none …" run measures the noise between identical runs */
  configs: string[]
  omoVersion: string
}

export interface RssRun {
  config: string
  ok: boolean
  error?: string
  startRssKB?: number
  peakRssKB?: number
  /** mean of the samples: less sensitive than the peak to when the collector happened to run */
  meanRssKB?: number
  /** VmHWM from /proc: the kernel's own peak, catches spikes between samples */
  hwmKB?: number
  finalRssKB?: number
  samples?: number
  toolSteps?: number
  /** tools offered to the model in the first request: evidence of which plugin loaded */
  toolsOffered?: number
  longrunToolOffered?: boolean
  /** characters of tool results in the last request (what the model saw of the outputs) */
  toolOutputBytesSeen?: number
  agentRequests?: number
  compactionRequests?: number
  events?: number
  /** message.updated events that carried non-empty summary.diffs, and their patch (or before+after) bytes */
  diffEvents?: number
  diffBytes?: number
  durationMs?: number
  readyMs?: number
  /** RSS over time: [seconds since the first prompt, KB], thinned */
  timeline?: Array<[number, number]>
}

const args = argJson<Args>()

function readStatus(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8")
    const rss = Number(/VmRSS:\s+(\d+)/.exec(text)?.[1])
    const hwm = Number(/VmHWM:\s+(\d+)/.exec(text)?.[1])
    return Number.isFinite(rss) ? { rss, hwm } : undefined
  } catch {
    return undefined
  }
}

/** Installs oh-my-opencode into a temp dir outside the project (reused between runs). */
function installOmo(version: string): { entry?: string; error?: string; installMs: number } {
  const dir = join(tmpdir(), `opencode-longrun-bench-omo-${version}`)
  const pkg = join(dir, "node_modules/oh-my-opencode/package.json")
  const t0 = performance.now()
  if (!existsSync(pkg)) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "omo-bench", private: true }))
    const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", `oh-my-opencode@${version}`], {
      cwd: dir,
      encoding: "utf8",
      timeout: 240_000,
    })
    if (r.status !== 0 || !existsSync(pkg))
      return {
        error: `npm install failed: ${(r.stderr || r.stdout || String(r.error)).slice(-500)}`,
        installMs: performance.now() - t0,
      }
  }
  const meta = JSON.parse(readFileSync(pkg, "utf8")) as { main?: string; module?: string; version?: string }
  if (meta.version !== version)
    return { error: `installed version ${meta.version}, wanted ${version}`, installMs: performance.now() - t0 }
  const entry = join(dir, "node_modules/oh-my-opencode", meta.main ?? meta.module ?? "dist/index.js")
  return existsSync(entry)
    ? { entry, installMs: performance.now() - t0 }
    : { error: `no entry file ${entry}`, installMs: performance.now() - t0 }
}

function script(calls: { tool: number; text: number }): Script {
  // One counter across the whole session: requests arrive one at a time.
  let n = 0
  const lines = Math.ceil(args.outputBytes / 64)
  return () => {
    n++
    const step = n % (args.stepsPerPrompt + 1)
    // Usage grows slowly and stays below every compaction threshold, so all three
    // configurations do the same work and no compaction muddies the comparison.
    const usage = { prompt_tokens: 5_000 + n * 300, completion_tokens: 40 }
    if (step === 0) {
      calls.text++
      return { text: "Batch finished; the build log looks fine.", usage } satisfies Reply
    }
    calls.tool++
    return {
      toolCalls: [
        {
          name: "bash",
          args: {
            // Every 10th step also writes its log into the project, so OpenCode's snapshots
            // put file diffs (whole-file patches) into the user messages' summary.diffs.
            // (Only every 10th: a snapshot diff on every step makes the run ~3× slower.)
            command:
              `yes 'step ${n}: compiled module ok in 12 ms, cache hit, no warnings emitted' | head -n ${lines}` +
              (n % 10 === 0 ? ` | tee build/step-${(n / 10) % 4}.log` : ""),
            description: `Build step ${n}`,
          },
        },
      ],
      usage,
    } satisfies Reply
  }
}

/** Servers start one at a time; sessions begin once every server is ready (or failed). */
let startChain: Promise<unknown> = Promise.resolve()
let allStarted: Promise<unknown> = Promise.resolve()

async function runOne(config: string, entry?: string): Promise<RssRun> {
  const out: RssRun = { config, ok: false }
  const calls = { tool: 0, text: 0 }
  let oc: OpencodeHandle | undefined
  let timer: ReturnType<typeof setInterval> | undefined
  try {
    const started = startChain.then(async () => {
      const t0 = Date.now()
      const handle = await startOpencode({
        files: { "build/.keep": "" },
        plugin: config === "longrun" ? undefined : config.startsWith("none") ? false : entry!,
        script: script(calls),
        limit: { context: 400_000, output: 32_000 },
        logLevel: "INFO",
        startTimeoutMs: 240_000,
      })
      out.readyMs = Date.now() - t0
      return handle
    })
    startChain = started.catch(() => undefined)
    oc = await started
    await allStarted
    const pid = oc.pid
    const first = readStatus(pid)
    out.startRssKB = first?.rss
    let peak = first?.rss ?? 0
    let samples = 0
    let sum = 0
    const timeline: Array<[number, number]> = []
    const start = Date.now()
    timer = setInterval(() => {
      const s = readStatus(pid)
      if (!s) return
      samples++
      sum += s.rss
      if (s.rss > peak) peak = s.rss
      if (samples % 5 === 0) timeline.push([(Date.now() - start) / 1000, s.rss])
    }, 200)
    let sessionID: string | undefined
    for (let p = 0; p < args.prompts; p++) {
      sessionID = await oc.runPrompt(`Batch ${p + 1}: run the build steps and report.`, { sessionID, timeoutMs: 240_000 })
      progress(`${config}: batch ${p + 1}/${args.prompts} done, RSS ${((readStatus(pid)?.rss ?? 0) / 1024).toFixed(0)} MB`)
    }
    out.durationMs = Date.now() - start
    await Bun.sleep(2_000)
    const last = readStatus(pid)
    clearInterval(timer)
    timer = undefined
    out.finalRssKB = last?.rss
    out.hwmKB = last?.hwm
    out.peakRssKB = Math.max(peak, last?.rss ?? 0)
    out.samples = samples
    out.meanRssKB = samples ? Math.round(sum / samples) : undefined
    out.timeline = timeline
    const agent = oc.model.agentRequests()
    out.agentRequests = agent.length
    out.toolSteps = calls.tool
    out.toolsOffered = agent[0]?.toolNames.length
    out.longrunToolOffered = agent[0]?.toolNames.includes("longrun_status")
    out.toolOutputBytesSeen = agent.at(-1)?.toolResults.reduce((a, r) => a + r.content.length, 0)
    out.compactionRequests = oc.model.requests.filter((r) => r.kind === "compaction").length
    out.events = oc.events.length
    // Evidence that file diffs reached the events: user message.updated carrying summary.diffs bodies.
    let diffEvents = 0
    let diffBytes = 0
    for (const e of oc.events) {
      const diffs = e.type === "message.updated" ? e.properties?.info?.summary?.diffs : undefined
      if (!Array.isArray(diffs) || diffs.length === 0) continue
      diffEvents++
      // 1.18.33 sends { file, patch, additions, deletions, status }; older notes say before/after.
      for (const d of diffs)
        diffBytes += String(d?.patch ?? "").length + String(d?.before ?? "").length + String(d?.after ?? "").length
    }
    out.diffEvents = diffEvents
    out.diffBytes = diffBytes
    out.ok = true
  } catch (err) {
    out.error = String(err instanceof Error ? err.message : err).slice(0, 1500)
  } finally {
    if (timer) clearInterval(timer)
    await oc?.stop()
  }
  return out
}

let omo: { entry?: string; error?: string; installMs: number } | undefined
if (args.configs.includes("oh-my-opencode")) {
  omo = installOmo(args.omoVersion)
  if (!omo.entry) progress(`oh-my-opencode skipped: ${omo.error}`)
}
const configs = args.configs.filter((c) => c !== "oh-my-opencode" || omo?.entry)
progress(`starting opencode with ${configs.join(", ")}, then running their sessions side by side`)
const pending = configs.map((config) => runOne(config, omo?.entry))
allStarted = startChain
const finished = await Promise.all(pending)
const runs: RssRun[] = args.configs.map(
  (config) => finished.find((r) => r.config === config) ?? { config, ok: false, error: omo?.error },
)
for (const r of finished)
  progress(
    r.ok
      ? `${r.config}: peak ${((r.peakRssKB ?? 0) / 1024).toFixed(0)} MB, final ${((r.finalRssKB ?? 0) / 1024).toFixed(0)} MB, ${r.toolSteps} tool steps in ${((r.durationMs ?? 0) / 1000).toFixed(0)} s`
      : `${r.config}: failed: ${r.error?.slice(0, 300)}`,
  )
emit({ args, runs, omoInstallMs: omo?.installMs, omoEntry: omo?.entry, concurrent: true })
