import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, relative } from "node:path"
import { idleSection } from "./lib/report-idle"
import { busyProcesses, machine } from "./lib/machine"
import { writeReport, type BenchResults } from "./lib/report"
import { OWN_SECTIONS, readSection, writeSection } from "./pruning/section"

const PARTS = ["event-path", "baseline", "sessions", "watchdog", "opencode", "idle"]
const argv = process.argv.slice(2)
// The plugins the bench builds in process must not journal into the user's own data folder.
process.env.XDG_DATA_HOME = mkdtempSync(join(tmpdir(), "opencode-longrun-bench-data-"))
// `bun run bench/run.ts pruning` runs the context pruning part alone (it writes its own section);
// `bun run bench/run.ts replay <dir>` replays a folder of real sessions (its own section too);
// `bun run bench/run.ts journal` measures the journal's writes and size (its own section).
if (argv[0] === "pruning") {
  await import("./pruning/run")
  process.exit(0)
}
if (argv[0] === "journal") {
  const { journalBench } = await import("./journal/run")
  await journalBench(argv.slice(1))
  process.exit(0)
}
if (argv[0] === "replay") {
  const { replayMain } = await import("./replay/main")
  await replayMain(argv.slice(1))
  process.exit(0)
}
// `bun run bench/run.ts bill` runs the bill part alone (real OpenCode, under the lock; it writes its own section).
if (argv[0] === "bill") {
  await import("./bill/run")
  process.exit(0)
}
const quick = argv.includes("--quick")
const outIdx = argv.indexOf("--out")
const named = argv.filter((a, i) => !a.startsWith("--") && (outIdx < 0 || i !== outIdx + 1))
const unknownParts = named.filter((p) => !PARTS.includes(p))
if (unknownParts.length) {
  process.stderr.write(`unknown bench part(s): ${unknownParts.join(", ")}; parts are ${PARTS.join(", ")}\n`)
  process.exit(2)
}
/** Undefined: the whole bench (real OpenCode parts skipped in quick mode). */
const only = named.length ? new Set(named) : undefined
const wants = (part: string, realOpencode = false) => (only ? only.has(part) : !(quick && realOpencode))
const outDir =
  outIdx >= 0
    ? argv[outIdx + 1]!
    : quick || only
      ? join(tmpdir(), `opencode-longrun-bench-${only ? "parts" : "quick"}`)
      : import.meta.dir
const ROOT = join(import.meta.dir, "..")

// sweep_interval_ms 1000 is the option's minimum: 60 sweeps in the idle minute make a per-sweep cost visible.
const IDLE_CONFIGS = [
  { name: "none" },
  { name: "longrun (sweep_interval_ms 1000)", options: { sweep_interval_ms: 1000 } },
  { name: "longrun (defaults)", options: {} },
  { name: "none (again)" },
]

const plan = quick
  ? {
      eventPath: { reps: 1, messages: 3_000, checkpoints: [100, 300, 1_000, 3_000], warmupMessages: 1_000 },
      baseline: { reps: 1, lengths: [100, 1_000], onceLengths: [] as number[], samples: { "100": 2, "1000": 1 } },
      sessions: { reps: 1, sessions: 1_000, messagesPerSession: 10 },
      // Real OpenCode parts run in quick mode only when named.
      opencode: { prompts: 10, stepsPerPrompt: 2, outputBytes: 60 * 1024, configs: ["none", "longrun"], omoVersion: "4.19.4" },
      idle: { sessions: 3, idleMs: 10_000, configs: IDLE_CONFIGS },
    }
  : {
      eventPath: {
        reps: 3,
        messages: 100_000,
        checkpoints: [100, 300, 1_000, 3_000, 10_000, 30_000, 100_000],
        warmupMessages: 3_000,
      },
      // 10k messages costs ~20 s per baseline tool call, so it is sampled in the first run only.
      baseline: { reps: 3, lengths: [100, 1_000], onceLengths: [10_000], samples: { "100": 5, "1000": 3, "10000": 1 } },
      sessions: { reps: 3, sessions: 1_000, messagesPerSession: 20 },
      // The second no-plugin run shows how far two identical runs differ: the noise floor for the ratios.
      opencode: {
        prompts: 70,
        stepsPerPrompt: 2,
        outputBytes: 60 * 1024,
        configs: ["none", "longrun", "oh-my-opencode", "none (again)"],
        omoVersion: "4.19.4",
      },
      idle: { sessions: 20, idleMs: 60_000, configs: IDLE_CONFIGS },
    }

async function worker<T>(name: string, args: unknown): Promise<T> {
  const file = join(import.meta.dir, "workers", `${name}.ts`)
  const proc = Bun.spawn([process.execPath, file, JSON.stringify(args)], { cwd: ROOT, stdout: "pipe", stderr: "inherit" })
  const text = await new Response(proc.stdout).text()
  const code = await proc.exited
  const line = text.split("\n").find((l) => l.startsWith("RESULT "))
  if (code !== 0 || !line) throw new Error(`worker ${name} failed (exit ${code}):\n${text.slice(-2000)}`)
  return JSON.parse(line.slice("RESULT ".length)) as T
}

const started = new Date()
const t0 = performance.now()
const timings: Record<string, number> = {}
const busyDuring: Record<string, string[]> = {}
const timed = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
  process.stderr.write(`\n== ${label}\n`)
  const busy = busyProcesses()
  if (busy.length) {
    busyDuring[label] = busy
    process.stderr.write(`  other busy processes: ${busy.join(", ")}\n`)
  }
  const t = performance.now()
  try {
    return await fn()
  } finally {
    timings[label] = performance.now() - t
  }
}

const before = machine()
process.stderr.write(`opencode-longrun bench${quick ? " (quick)" : ""}: ${before.nproc} cores, load ${before.loadavg}\n`)
if (before.busy.length) process.stderr.write(`other busy processes: ${before.busy.join(", ")}\n`)

const results: BenchResults = {
  quick,
  started: started.toISOString(),
  command: quick ? "bun run bench --quick" : "bun run bench",
  machineBefore: before,
  timings,
  busyDuring,
} as BenchResults

if (wants("event-path"))
  results.eventPath = await timed("1. event path", async () => {
    const runs = []
    for (let i = 0; i < plan.eventPath.reps; i++) {
      process.stderr.write(` run ${i + 1}/${plan.eventPath.reps}\n`)
      runs.push(await worker("event-path", plan.eventPath))
    }
    return runs as BenchResults["eventPath"]
  })

if (wants("baseline"))
  results.baseline = await timed("2. against the naive baseline", async () => {
    const runs = []
    for (let i = 0; i < plan.baseline.reps; i++) {
      const lengths = i === 0 ? [...plan.baseline.lengths, ...plan.baseline.onceLengths] : plan.baseline.lengths
      process.stderr.write(` run ${i + 1}/${plan.baseline.reps}: lengths ${lengths.join(", ")}\n`)
      runs.push(await worker("baseline", { lengths, samples: plan.baseline.samples }))
    }
    return runs as BenchResults["baseline"]
  })

if (wants("sessions"))
  results.sessions = await timed("3. many sessions", async () => {
    const variants: Array<{ name: string; options: Record<string, unknown> }> = [
      { name: "defaults (max_sessions 200)", options: {} },
      { name: "max_sessions 2000 (the TTL alone)", options: { max_sessions: 2000 } },
    ]
    const out: BenchResults["sessions"] = []
    for (const v of variants) {
      const runs = []
      for (let i = 0; i < plan.sessions.reps; i++) {
        process.stderr.write(` ${v.name}: run ${i + 1}/${plan.sessions.reps}\n`)
        runs.push(
          await worker("sessions", {
            sessions: plan.sessions.sessions,
            messagesPerSession: plan.sessions.messagesPerSession,
            options: v.options,
          }),
        )
      }
      out.push({ name: v.name, runs: runs as BenchResults["sessions"][number]["runs"] })
    }
    return out
  })

// These two depend on code other people are writing; a failure is reported, not fatal.
if (wants("watchdog"))
  results.watchdog = await timed("memory watchdog sampler cost", () =>
    worker<BenchResults["watchdog"]>("watchdog", {}).catch((err) => ({
      available: false,
      reason: `the worker failed: ${String(err).slice(0, 500)}`,
    })),
  )

if (wants("opencode", true)) {
  const oc = plan.opencode
  const harness = join(ROOT, "testkit/opencode/harness.ts")
  results.opencode = await timed("4. real OpenCode", async () => {
    if (!(await Bun.file(harness).exists()))
      return { args: oc, runs: [{ config: "all", ok: false, error: "testkit/opencode/harness.ts does not exist" }] }
    return worker<NonNullable<BenchResults["opencode"]>>("opencode", oc).catch((err) => ({
      args: oc,
      runs: [{ config: "all", ok: false, error: String(err).slice(0, 1500) }],
    }))
  })
}

if (wants("idle", true)) {
  results.idle = await timed("5. idle CPU", () =>
    worker<NonNullable<BenchResults["idle"]>>("idle", plan.idle).catch((err) => ({
      args: plan.idle,
      runs: [{ config: "all", ok: false, error: String(err).slice(0, 1500) }],
    })),
  )
}

results.machineAfter = machine()
results.durationMs = performance.now() - t0
mkdirSync(outDir, { recursive: true })
if (only) {
  // Some parts only: no RESULTS.md (its parts depend on each other); the raw results and the parts that print alone.
  const file = join(outDir, "results.json")
  writeFileSync(file, JSON.stringify(results, null, 2))
  if (results.idle) process.stdout.write(`\n${idleSection(results.idle).join("\n")}\n`)
  process.stderr.write(
    `\nbench parts ${[...only].join(", ")} finished in ${(results.durationMs / 1000).toFixed(0)} s; raw results in ${file}\n`,
  )
  process.exit(0)
}
// The parts that run alone write their own sections; keep them across this rewrite.
const kept = OWN_SECTIONS.map((name) => [name, readSection(join(outDir, "RESULTS.md"), name)] as const)
const files = writeReport(results, outDir)
for (const [name, section] of kept) if (section) writeSection(join(outDir, "RESULTS.md"), section, name)
process.stderr.write(
  `\nbench finished in ${(results.durationMs / 1000).toFixed(0)} s; wrote ${files.map((f) => relative(process.cwd(), f) || f).join(", ")}\n`,
)
