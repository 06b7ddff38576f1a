/**
 * `npm run bench -- replay <dir> [--mode autonomous|interactive|both] [--view anthropic,prefix,...]
 * [--only <substring>] [--options <json>] [--out <file>]`: replays every *.jsonl session of <dir> (the format of
 * ../shared/traces) through the plugin's public hooks, with no plugin and with this plugin
 * at its defaults, billed by each cache view; prints the ratios and writes the markdown
 * section to bench/RESULTS.md (or --out). Reports; asserts nothing.
 */
import { mkdtempSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { basename, join } from "node:path"
import { CACHE_VIEWS, type CacheView } from "./billing"
import type { Mode } from "./conversation"
import { renderReplay, summarize } from "./report"
import { type ReplayConfig, replaySession, type SessionResult } from "./replay-session"
import { readTrace } from "./trace"

export const REPLAY_CONFIGS: ReplayConfig[] = [{ name: "no plugin" }, { name: "longrun", options: {} }]

export const MODES: Record<"autonomous" | "interactive", Mode> = {
  autonomous: { kind: "autonomous" },
  // A person comes back every 15 requests after 12 minutes: past a 5-minute cache lifetime.
  interactive: { kind: "interactive", every: 15, pauseMs: 12 * 60_000 },
}

export async function runReplay(argv: string[]) {
  const dir = argv.find((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--"))
  if (!dir) throw new Error("usage: npm run bench -- replay <dir of *.jsonl sessions>")
  const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined)
  const modeArg = flag("--mode") ?? "both"
  const modes = modeArg === "both" ? (["autonomous", "interactive"] as const) : ([modeArg] as ["autonomous" | "interactive"])
  const views = (flag("--view")?.split(",") ?? CACHE_VIEWS) as CacheView[]
  const only = flag("--only")
  // --options '{"pruning_risk":0.1}': the plugin's options for this run (defaults otherwise).
  const options = flag("--options") ? (JSON.parse(flag("--options")!) as Record<string, unknown>) : {}
  const configs = REPLAY_CONFIGS.map((c) => (c.options ? { ...c, options: { ...c.options, ...options } } : c))
  // The sidebar hook writes snapshot files: keep them out of the user's state folder.
  process.env.XDG_STATE_HOME = mkdtempSync(join(tmpdir(), "longrun-replay-state-"))
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".jsonl") && (!only || f.includes(only)))
    .sort()
  const results: SessionResult[] = []
  const t0 = performance.now()
  for (const file of files) {
    const trace = readTrace(join(dir, file), basename(file, ".jsonl"))
    for (const mode of modes)
      for (const view of views) for (const cfg of configs) results.push(await replaySession(trace, MODES[mode], view, cfg))
    process.stderr.write(".")
  }
  process.stderr.write("\n")
  const seconds = (performance.now() - t0) / 1000
  const summary = summarize(results)
  process.stdout.write(`${renderReplay(summary, { dir, sessions: files.length, seconds })}\n`)
  return { results, summary, seconds }
}
