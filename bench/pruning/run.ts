/**
 * Context pruning benchmark: `bun run bench/run.ts pruning` (wrap in
 * `flock /tmp/longrun-opencode.lock`). Runs the scripted session of ./session.ts in real
 * OpenCode twice in the same run, without any plugin and with this plugin at its
 * defaults, and compares what the model server received; then times the transform in
 * process. Writes its section of bench/RESULTS.md. Reports; asserts nothing.
 */
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { startOpencode } from "../../testkit/opencode"
import { bySession, sequence, type Reply } from "../../testkit/model-server"
import { renderMarkdown } from "./report"
import type { RunResult } from "./types"
import { FILES, TURNS, turnPrompt, turnReplies } from "./session"
import { normalizeStored, prefixStats, viewOf } from "../../testkit/prompt-metrics"
import { writeSection } from "./section"
import { transformTiming } from "./timing"

const ROOT = join(import.meta.dir, "../..")
const outFile = process.argv.includes("--out") ? process.argv[process.argv.indexOf("--out") + 1]! : join(ROOT, "bench/RESULTS.md")

/** The configurations compared, each its own OpenCode server; options undefined = no plugin. */
export const CONFIGS: Array<{ name: string; options?: Record<string, unknown> }> = [
  { name: "no plugin" },
  { name: "longrun, defaults", options: {} },
  {
    name: "longrun, references only",
    options: { pruning_superseded_reads: false, pruning_superseded_writes: false, pruning_failed_inputs: false },
  },
  { name: "longrun, pruning off", options: { disabled_hooks: ["context-pruning"] } },
]

async function runSession(cfg: (typeof CONFIGS)[number]): Promise<RunResult> {
  const config = cfg.name
  const t0 = performance.now()
  const replies: Reply[] = Array.from({ length: TURNS }, (_, i) => turnReplies(i + 1)).flat()
  const oc = await startOpencode({
    plugin: cfg.options ? undefined : false,
    pluginOptions: cfg.options,
    files: FILES,
    limit: { context: 1_000_000, output: 8_000 },
    script: bySession([
      [
        "Report status",
        sequence([{ toolCalls: [{ name: "longrun_status", args: { format: "json", scope: "all" } }] }, { text: "Reported." }]),
      ],
      ["Turn ", sequence(replies)],
    ]),
  })
  try {
    let sessionID: string | undefined
    for (let turn = 1; turn <= TURNS; turn++) {
      process.stderr.write(`  ${config}: turn ${turn}/${TURNS}\n`)
      sessionID = await oc.runPrompt(turnPrompt(turn), { sessionID, timeoutMs: 120_000 })
    }
    const agent = oc.model.requests.filter((r) => r.kind === "agent" && r.sessionID === sessionID)
    const views = agent.map((r) => viewOf(r.body))
    const prefix = prefixStats(views)
    const turnStarts = agent.flatMap((r, i) => (r.messages[r.messages.length - 1]?.role === "user" ? [i] : []))
    const stored = (await oc.client.session.messages({ path: { id: sessionID! } })).data as any[]
    const storedJson = JSON.stringify(stored)
    let status: any
    if (cfg.options) {
      await oc.runPrompt("Report status.")
      const json = oc.model.requests.flatMap((r) => r.toolResults).find((t) => t.content.includes('"clientCalls"'))
      status = json ? JSON.parse(json.content).sections?.find((s: any) => s.hook === "context-pruning")?.data : undefined
    }
    return {
      config,
      ok: true,
      requests: agent.length,
      bodyChars: views.reduce((s, v) => s + v.bodyChars, 0),
      messageChars: views.reduce((s, v) => s + v.messages.reduce((a, m) => a + m.length, 0), 0),
      lastBodyChars: views[views.length - 1]?.bodyChars ?? 0,
      perRequest: views.map((v) => v.bodyChars),
      breaks: prefix.breaks,
      breakAt: prefix.breakAt,
      turnStarts,
      uncachedChars: prefix.uncachedChars,
      stored: normalizeStored(stored, oc.directory),
      storedHasPlaceholder:
        storedJson.includes("[longrun] Pruned") ||
        storedJson.includes("[longrun] Same ") ||
        storedJson.includes("chars left out"),
      status,
      durationMs: performance.now() - t0,
    }
  } finally {
    await oc.stop()
  }
}

const sh = (cmd: string, args: string[]) => (spawnSync(cmd, args, { encoding: "utf8" }).stdout ?? "").trim()
const machine = {
  nproc: sh("nproc", []),
  cpu: sh("sh", ["-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2"]),
  mem: sh("sh", ["-c", "free -h | awk '/Mem:/{print $2}'"]),
  bun: Bun.version,
  opencode: sh(join(ROOT, "node_modules/.bin/opencode"), ["--version"]),
  plugin: JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version,
  loadavg: readFileSync("/proc/loadavg", "utf8").trim(),
}

const started = new Date()
process.stderr.write("context pruning bench: transform timing\n")
const timing = await transformTiming()
const runs: RunResult[] = []
for (const cfg of CONFIGS) {
  process.stderr.write(`context pruning bench: real OpenCode, ${cfg.name}\n`)
  runs.push(
    await runSession(cfg).catch((err) => ({ config: cfg.name, ok: false, error: String(err).slice(0, 1500) }) as RunResult),
  )
}
const result = { started: started.toISOString(), machine, turns: TURNS, timing, runs }
console.log(`RESULT ${JSON.stringify({ ...result, runs: runs.map(({ stored, ...r }) => r) })}`)
writeSection(outFile, renderMarkdown(result))
process.stderr.write(`wrote the context pruning section of ${outFile}\n`)
