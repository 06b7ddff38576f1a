/**
 * The bill bench: `flock /tmp/longrun-opencode.lock bun run bench/run.ts bill` (or
 * `npm run bench -- bill` under the lock). Real OpenCode 1.18.33, one server per
 * configuration (no plugin, this plugin, DCP from npm, OpenCode's compaction.prune) and
 * provider route, all side by side in one run against scripted model servers with the
 * faithful prompt cache; each server works through the same sessions. Writes its section
 * of bench/RESULTS.md and bench/bill.svg next to it. Reports; asserts nothing.
 *
 * Flags: --quick (short sessions, a trial of the wiring), --only <config,...>, --out <file>.
 */
import { spawnSync } from "node:child_process"
import { readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { SONNET_COST } from "../../testkit/opencode"
import { FILES, TURNS, turnPrompt, turnReplies } from "../pruning/session"
import { writeSection } from "../pruning/section"
import { renderChart } from "./chart"
import { DCP_VERSION, installDcp } from "./dcp"
import { type BillConfig, type ConfigRun, driveConfig, type Route } from "./drive"
import { renderBill } from "./report"
import { autonomousSession, type BillSession, interactiveSession, requestsOf } from "./sessions"

const ROOT = join(import.meta.dir, "../..")
const argv = process.argv.slice(2)
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined)
const quick = argv.includes("--quick")
const outFile = flag("--out") ?? (quick ? join(tmpdir(), "bill-RESULTS.md") : join(ROOT, "bench/RESULTS.md"))

/** The plugin's prompt-cache lifetime in this bench, and the real wait of a pause: past it, so OpenCode's timestamps show it. */
export const TTL_MS = 20_000
export const PAUSE_REAL_MS = 21_000

export const ROUTES: Record<"sonnet" | "openai" | "nocache", Route> = {
  sonnet: { api: "anthropic", cost: SONNET_COST, label: "Anthropic route, Sonnet prices" },
  // No cache_write: OpenCode's catalogue leaves it out for OpenAI models (no write premium).
  openai: { api: "openai", cost: { input: 1.25, output: 10, cache_read: 0.125 }, label: "OpenAI route, OpenAI prices" },
  nocache: { api: "anthropic", cost: { input: 3, output: 15 }, label: "Anthropic route, prices without a cache" },
}

export const CONFIGS: BillConfig[] = [
  { name: "no plugin", kind: "none" },
  { name: "longrun", kind: "longrun", options: { prompt_cache_ttl_ms: TTL_MS } },
  { name: `DCP ${DCP_VERSION}`, kind: "dcp" },
  { name: "compaction.prune", kind: "prune" },
]

function pruningSession(pauses: boolean): BillSession {
  const turns = Array.from({ length: quick ? 2 : TURNS }, (_, i) => ({ prompt: turnPrompt(i + 1), replies: turnReplies(i + 1) }))
  return { name: pauses ? "pruning bench, paused" : "pruning bench, warm", pauses, files: FILES, turns }
}

const sessions: BillSession[] = quick
  ? [autonomousSession(3), interactiveSession(2, 1), pruningSession(false), pruningSession(true)]
  : [autonomousSession(), interactiveSession(), pruningSession(false), pruningSession(true)]

const only = flag("--only")?.split(",")
const configs = CONFIGS.filter((c) => !only || only.includes(c.kind))
/** Which servers run: every configuration on the Sonnet and OpenAI routes; the plugin alone with cache-less prices (the others do not read prices). */
const plan: Array<{ config: BillConfig; route: Route }> = [
  ...configs.map((config) => ({ config, route: ROUTES.sonnet })),
  ...configs.map((config) => ({ config, route: ROUTES.openai })),
  ...configs.filter((c) => c.kind === "longrun").map((config) => ({ config, route: ROUTES.nocache })),
]

const log = (msg: string) => process.stderr.write(`  ${msg}\n`)
const started = new Date()
const t0 = performance.now()
const loadBefore = readFileSync("/proc/loadavg", "utf8").trim()
log(
  `bill bench: ${plan.length} OpenCode servers, sessions ${sessions.map((s) => `${s.name} (${requestsOf(s)} replies)`).join(", ")}`,
)

const dcp = configs.some((c) => c.kind === "dcp") ? installDcp() : undefined
if (dcp) log(dcp.entry ? `DCP ${DCP_VERSION} at ${dcp.entry} (${(dcp.installMs / 1000).toFixed(0)} s)` : `DCP: ${dcp.error}`)
const runnable = plan.filter((p) => p.config.kind !== "dcp" || dcp?.entry)

// Servers start one after another (the first may install the provider); then every session runs side by side.
let readyCount = 0
let allReady!: () => void
const ready = new Promise<void>((r) => {
  allReady = r
})
let chain: Promise<unknown> = Promise.resolve()
const runs: ConfigRun[] = await Promise.all(
  runnable.map((p) => {
    let begun!: () => void
    const turn = new Promise<void>((r) => {
      begun = r
    })
    const mine = chain.then(() =>
      driveConfig({
        ...p,
        sessions,
        pauseRealMs: PAUSE_REAL_MS,
        ttlMs: TTL_MS,
        dcpEntry: dcp?.entry,
        ready,
        onReady: () => {
          begun()
          if (++readyCount === runnable.length) allReady()
        },
        log,
      }),
    )
    chain = turn
    return mine
  }),
)
for (const p of plan)
  if (!runnable.includes(p))
    runs.push({ config: p.config.name, route: p.route.label, ok: false, error: dcp?.error, sessions: [] })

const sh = (cmd: string) => (spawnSync("sh", ["-c", cmd], { encoding: "utf8" }).stdout ?? "").trim()
const result = {
  started: started.toISOString(),
  durationMs: performance.now() - t0,
  quick,
  machine: {
    loadAfter: "",
    nproc: sh("nproc"),
    cpu: sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"),
    mem: sh("free -h | awk '/Mem:/{print $2}'"),
    bun: Bun.version,
    opencode: sh(`${join(ROOT, "node_modules/.bin/opencode")} --version`),
    loadavg: loadBefore,
  },
  ttlMs: TTL_MS,
  pauseRealMs: PAUSE_REAL_MS,
  dcpInstallMs: dcp?.installMs,
  sessions: sessions.map((s) => ({ name: s.name, turns: s.turns.length, replies: requestsOf(s), pauses: s.pauses })),
  routes: ROUTES,
  configs: configs.map((c) => c.name),
  runs,
}
result.machine.loadAfter = readFileSync("/proc/loadavg", "utf8").trim()
console.log(`RESULT ${JSON.stringify(result)}`)
writeFileSync(join(tmpdir(), "bill-results.json"), JSON.stringify(result, null, 2))
writeSection(outFile, renderBill(result), "bill")
if (!quick) writeFileSync(join(dirname(outFile), "bill.svg"), renderChart(result))
log(`bill bench finished in ${(result.durationMs / 1000).toFixed(0)} s; wrote ${outFile}`)
