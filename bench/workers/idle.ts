/**
 * Part 5: idle CPU. The real `opencode serve` once per configuration (no plugin, this
 * plugin with a short sweep interval, this plugin with its defaults, no plugin again),
 * each given the same finished sessions, then left alone for one idle minute. CPU
 * seconds of the opencode process (utime + stime from /proc/<pid>/stat, its descendants
 * included) are read at the start and end of that minute. Everything that runs on a
 * timer inside the plugin (the store sweep, the memory watchdog) shows up here; nothing
 * else should be running. The servers start one after another, the sessions run side by
 * side and the idle minutes overlap, so every configuration sees the same machine load.
 */
import { readFileSync } from "node:fs"
import { startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import type { Reply, Script } from "../../testkit/model-server"
import { descendants } from "../../testkit/opencode/processes"
import { argJson, emit, progress } from "../lib/worker-io"

interface Args {
  sessions: number
  idleMs: number
  /** Plugin options per configuration name; a name starting with "none" loads no plugin. */
  configs: Array<{ name: string; options?: Record<string, unknown> }>
}

export interface IdleRun {
  config: string
  options?: Record<string, unknown>
  ok: boolean
  error?: string
  longrunToolOffered?: boolean
  sessions?: number
  /** CPU seconds (user + system) of opencode and its descendants during the idle window */
  idleCpuS?: number
  idleUserS?: number
  idleSystemS?: number
  /** the idle window as measured, in seconds of wall time */
  idleWallS?: number
  rssKB?: number
  readyMs?: number
}

const args = argJson<Args>()
const TICKS = 100 // USER_HZ: /proc reports clock ticks of 1/100 s on Linux

/** utime and stime (clock ticks) of a process from /proc/<pid>/stat; undefined once gone. */
function cpuTicks(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8")
    // pid (comm) state ppid ...: comm may contain spaces, so split after the last ")".
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return { user: Number(f[11]), system: Number(f[12]) }
  } catch {
    return undefined
  }
}

/** CPU ticks of a process tree, per pid, so a child that exits mid-window is not subtracted. */
function treeTicks(pid: number): Map<number, { user: number; system: number }> {
  const m = new Map<number, { user: number; system: number }>()
  for (const p of [pid, ...descendants(pid)]) {
    const t = cpuTicks(p)
    if (t) m.set(p, t)
  }
  return m
}

function rssKB(pid: number): number | undefined {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1])
  } catch {
    return undefined
  }
}

/** Each session: one bash step printing ~20 KB, then a closing reply. */
function script(): Script {
  return (req) => {
    const done = req.toolResults.length > 0
    const usage = { prompt_tokens: 3_000, completion_tokens: 30 }
    if (done) return { text: "Finished; the log looks fine.", usage } satisfies Reply
    return {
      toolCalls: [
        {
          name: "bash",
          args: {
            command: "yes 'compiled module ok in 12 ms, cache hit, no warnings emitted' | head -n 320",
            description: "Build",
          },
        },
      ],
      usage,
    } satisfies Reply
  }
}

let startChain: Promise<unknown> = Promise.resolve()

async function start(config: Args["configs"][number]): Promise<{ run: IdleRun; oc?: OpencodeHandle }> {
  const run: IdleRun = { config: config.name, options: config.options, ok: false }
  const started = startChain.then(async () => {
    const t0 = Date.now()
    const oc = await startOpencode({
      plugin: config.name.startsWith("none") ? false : undefined,
      pluginOptions: config.options,
      script: script(),
      limit: { context: 400_000, output: 32_000 },
      logLevel: "INFO",
    })
    run.readyMs = Date.now() - t0
    return oc
  })
  startChain = started.catch(() => undefined)
  try {
    return { run, oc: await started }
  } catch (err) {
    run.error = String(err instanceof Error ? err.message : err).slice(0, 1500)
    return { run }
  }
}

async function feed(run: IdleRun, oc: OpencodeHandle) {
  for (let i = 0; i < args.sessions; i++)
    await oc.runPrompt(`Session ${i + 1}: run the build and report.`, { timeoutMs: 120_000 })
  run.sessions = args.sessions
  run.longrunToolOffered = oc.model.agentRequests()[0]?.toolNames.includes("longrun_status")
  progress(`${run.config}: ${args.sessions} sessions finished`)
}

const handles = await Promise.all(args.configs.map(start))
try {
  const live = handles.filter((h): h is { run: IdleRun; oc: OpencodeHandle } => !!h.oc)
  progress(`${live.length} servers ready; running ${args.sessions} sessions on each, side by side`)
  const fed = await Promise.allSettled(live.map((h) => feed(h.run, h.oc)))
  fed.forEach((f, i) => {
    if (f.status === "rejected") live[i]!.run.error = String(f.reason).slice(0, 1500)
  })
  const idle = live.filter((h) => !h.run.error)
  // Let the last session's after-work (title, snapshot, events) settle before the window opens.
  await Bun.sleep(5_000)
  progress(`idle window of ${args.idleMs / 1000} s starts`)
  const t0 = performance.now()
  const before = idle.map((h) => treeTicks(h.oc.pid))
  await Bun.sleep(args.idleMs)
  const after = idle.map((h) => treeTicks(h.oc.pid))
  const wallS = (performance.now() - t0) / 1000
  idle.forEach((h, i) => {
    let user = 0
    let system = 0
    for (const [pid, a] of after[i]!) {
      const b = before[i]!.get(pid) ?? { user: 0, system: 0 }
      user += a.user - b.user
      system += a.system - b.system
    }
    Object.assign(h.run, {
      ok: true,
      idleUserS: user / TICKS,
      idleSystemS: system / TICKS,
      idleCpuS: (user + system) / TICKS,
      idleWallS: wallS,
      rssKB: rssKB(h.oc.pid),
    })
    progress(`${h.run.config}: ${((user + system) / TICKS).toFixed(2)} CPU s in ${wallS.toFixed(0)} s idle`)
  })
} finally {
  await Promise.all(handles.map((h) => h.oc?.stop()))
}
emit({ args, runs: handles.map((h) => h.run) })
