/** Turns the workers' results into bench/RESULTS.md and bench/retained-memory.svg. */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import type { BaselineSample } from "../workers/baseline"
import type { Checkpoint } from "../workers/event-path"
import type { RssRun } from "../workers/opencode"
import { fmtBytes, fmtNum, fmtRatio, median, type LatencySummary } from "./measure"
import type { StreamSpec, StreamStats } from "./session-gen"
import { idleHeadline, idleSection, type IdleResults } from "./report-idle"
import { logLogChart } from "./svg"

export interface Machine {
  nproc: string
  free: string
  uname: string
  bun: string
  opencode: string
  plugin: string
  loadavg: string
  busy: string[]
}

interface EventPathRun {
  spec: StreamSpec
  described: string
  stats: StreamStats
  emptyPluginHeap: number
  checkpoints: Checkpoint[]
  total: { events: number; pluginMs: number; wallMs: number; eventsPerSec: number; latency: LatencySummary; bigLatency: LatencySummary; toolAfter: LatencySummary }
  clientCalls: Record<string, number>
  pluginSaw?: { toolOutputBytes: number; diffBodyBytes: number; textBytes: number; largestPayloads: Array<{ kind: string; label: string; bytes: number }> }
  hooksLoaded: string[]
}

interface BaselineRun {
  spec: StreamSpec
  described: string
  samples: BaselineSample[]
  wallMs: number
  oursClientCalls: Record<string, number>
  baselineClientCalls: Record<string, number>
}

interface SessionsRun {
  sessions: number
  messagesPerSession: number
  options: Record<string, unknown>
  feedMs: number
  waitedForSweepMs: number
  emptyPlugin: number
  afterSessions: number
  afterSweep: number
  residualSplit: { code: number; data: number }
  entries: { afterSessions: number; afterSweep: number; messageRecordsAfterSessions: number }
  storeStats: { afterSessions: Record<string, number>; afterSweep: Record<string, number> }
  attributed: { afterSessions: number; afterSweep: number }
  cachesAfterSweep: Array<{ name: string; entries: number; bytes: number }>
}

export interface BenchResults {
  quick: boolean
  started: string
  command: string
  durationMs: number
  machineBefore: Machine
  machineAfter: Machine
  timings: Record<string, number>
  /** other processes seen using CPU at the start of each part */
  busyDuring: Record<string, string[]>
  eventPath: EventPathRun[]
  baseline: BaselineRun[]
  sessions: Array<{ name: string; runs: SessionsRun[] }>
  watchdog: { available: boolean; reason?: string; file?: string; exportName?: string; result?: unknown }
  opencode?: { args: Record<string, unknown>; runs: RssRun[]; omoInstallMs?: number; omoEntry?: string }
  idle?: IdleResults
}

const us = (v: number) => (Number.isFinite(v) ? (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(1)} µs`) : "n/a")
const ms = (v: number) => (Number.isFinite(v) ? (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : v >= 1 ? `${v.toFixed(1)} ms` : `${(v * 1000).toFixed(1)} µs`) : "n/a")
const mb = (kb: number | undefined) => (kb === undefined ? "n/a" : `${(kb / 1024).toFixed(0)} MB`)
const med = <T>(xs: T[], f: (x: T) => number) => median(xs.map(f))
const row = (cells: Array<string | number>) => `| ${cells.join(" | ")} |`
const table = (head: string[], rows: Array<Array<string | number>>, align?: string[]) =>
  [row(head), row(align ?? head.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(row)].join("\n")

/** Checkpoints of several runs, matched by message count, each metric the median across runs. */
function medianCheckpoints(runs: EventPathRun[]) {
  const lengths = [...new Set(runs.flatMap((r) => r.checkpoints.map((c) => c.messages)))].sort((a, b) => a - b)
  return lengths.map((len) => {
    const cs = runs.map((r) => r.checkpoints.find((c) => c.messages === len)).filter((c): c is Checkpoint => !!c)
    return {
      messages: len,
      runs: cs.length,
      events: med(cs, (c) => c.events),
      eventsPerSec: med(cs, (c) => c.segment.eventsPerSec),
      p50: med(cs, (c) => c.segment.latency.p50Us),
      p99: med(cs, (c) => c.segment.latency.p99Us),
      p999: med(cs, (c) => c.segment.latency.p999Us),
      max: med(cs, (c) => c.segment.latency.maxUs),
      retained: med(cs, (c) => c.retainedHeap),
      retainedMin: Math.min(...cs.map((c) => c.retainedHeap)),
      retainedMax: Math.max(...cs.map((c) => c.retainedHeap)),
      data: med(cs, (c) => c.dataDelta),
      code: med(cs, (c) => c.codeDelta),
      attributed: med(cs, (c) => c.attributed),
      kept: med(cs, (c) => c.messagesKept),
      rss: med(cs, (c) => c.rss),
    }
  })
}

function medianBaseline(runs: BaselineRun[]) {
  const lengths = [...new Set(runs.flatMap((r) => r.samples.map((s) => s.messages)))].sort((a, b) => a - b)
  return lengths.map((len) => {
    const ss = runs.map((r) => r.samples.find((s) => s.messages === len)).filter((s): s is BaselineSample => !!s)
    return {
      messages: len,
      runs: ss.length,
      toolCallsTimed: ss.reduce((a, s) => a + s.baseline.msPerToolCall.length, 0),
      historyMessages: med(ss, (s) => s.historyMessages),
      reads: med(ss, (s) => s.baseline.readsPerToolCall),
      bytes: med(ss, (s) => s.baseline.historyBytesRead),
      oursBytes: med(ss, (s) => s.ours.historyBytesRead),
      oursMessagesCalls: Math.max(...ss.map((s) => s.ours.messagesCalls)),
      baseMs: median(ss.flatMap((s) => s.baseline.msPerToolCall)),
      oursMs: median(ss.flatMap((s) => s.ours.msPerToolCall)),
      serializeMs: median(ss.flatMap((s) => s.baseline.serializeMs)),
      parseMs: median(ss.flatMap((s) => s.baseline.parseMs)),
      basePeak: med(ss, (s) => s.baseline.peakExtraHeap),
      oursPeak: med(ss, (s) => s.ours.peakExtraHeap),
    }
  })
}

export function writeReport(r: BenchResults, outDir: string): string[] {
  const cps = medianCheckpoints(r.eventPath)
  const base = medianBaseline(r.baseline)
  const ep = r.eventPath[0]!
  const last = cps[cps.length - 1]!
  const at = (len: number) => cps.find((c) => c.messages === len)
  const firstFlat = cps.find((c) => c.messages >= 1_000) ?? cps[0]!
  const L: string[] = []
  const date = r.started.replace("T", " ").replace(/\.\d+Z$/, " UTC")

  L.push(`# opencode-longrun benchmark results${r.quick ? " (quick smoke run)" : ""}`)
  L.push("")
  L.push(`Generated by \`${r.command}\` on ${date}; the whole run took **${(r.durationMs / 1000).toFixed(0)} s** (${Object.entries(r.timings).map(([k, v]) => `${k}: ${(v / 1000).toFixed(0)} s`).join("; ")}).`)
  L.push("")
  L.push("## Machine")
  L.push("")
  L.push("```")
  L.push(`$ nproc\n${r.machineBefore.nproc}\n$ free -h\n${r.machineBefore.free}\n$ uname -a\n${r.machineBefore.uname}`)
  L.push(`bun ${r.machineBefore.bun}, opencode ${r.machineBefore.opencode}, opencode-longrun ${r.machineBefore.plugin}`)
  L.push(`load average at start: ${r.machineBefore.loadavg}; at end: ${r.machineAfter.loadavg}`)
  L.push("```")
  L.push("")
  const busy = [
    ...(r.machineBefore.busy.length ? [`at the start: ${r.machineBefore.busy.join(", ")}`] : []),
    ...Object.entries(r.busyDuring ?? {}).map(([part, list]) => `at the start of "${part}": ${list.join(", ")}`),
    ...(r.machineAfter.busy.length ? [`at the end: ${r.machineAfter.busy.join(", ")}`] : []),
  ]
  L.push(
    busy.length
      ? `**The machine was busy**: other processes were using CPU during the run (CPU over 2 s, sampled ${busy.join("; ")}). Absolute times are noisy; compare the ratios, which are always measured within one run.`
      : "No other process used ≥10% CPU when sampled (over 2 s at the start, at each part and at the end; the machine is shared, so this is not a guarantee); compare ratios within the run rather than absolute times.",
  )
  L.push("")

  // ---------------------------------------------------------------- headline
  L.push("## Headline")
  L.push("")
  const b10 = base[base.length - 1]
  const oursAt = (len: number) => (at(len) ?? cps.reduce((a, c) => (Math.abs(c.messages - len) < Math.abs(a.messages - len) ? c : a)))
  L.push(
    `- **Event path**: ${fmtNum(last.messages, 0)} messages (${fmtNum(last.events, 0)} events) at ${fmtNum(med(r.eventPath, (x) => x.total.eventsPerSec), 0)} events/s of plugin time; ` +
      `per-event latency p50 ${us(med(r.eventPath, (x) => x.total.latency.p50Us))}, p99 ${us(med(r.eventPath, (x) => x.total.latency.p99Us))}, p99.9 ${us(med(r.eventPath, (x) => x.total.latency.p999Us))}.`,
  )
  {
    const growth = last.retained / firstFlat.retained
    const dataGrowth = last.data / firstFlat.data
    const flat = growth < 1.5 && dataGrowth < 1.5
    L.push(
      `- **Retained heap ${flat ? "is flat" : "GROWS"} in session length**: from ${fmtNum(firstFlat.messages, 0)} to ${fmtNum(last.messages, 0)} messages (${fmtNum(last.messages / firstFlat.messages, 0)}× longer) ` +
        `the measured heap (forced GC, heapStats) went ${fmtBytes(firstFlat.retained)} → ${fmtBytes(last.retained)} (${fmtRatio(growth)}), its program-data part ${fmtBytes(firstFlat.data)} → ${fmtBytes(last.data)} (${fmtRatio(dataGrowth)}); ` +
        `the store's own attribution ${fmtBytes(firstFlat.attributed)} → ${fmtBytes(last.attributed)} (measured/attributed ≈ ${fmtRatio(last.retained / last.attributed)} in total, ${fmtRatio(last.data / last.attributed)} for data alone).`,
    )
  }
  if (b10) {
    const ours = oursAt(b10.messages)
    L.push(
      `- **Against the naive baseline at ${fmtNum(b10.messages, 0)} messages** (same run): the baseline reads ${fmtBytes(b10.bytes)} of history per tool call (${b10.reads} reads), ours ${fmtBytes(b10.oursBytes)} ` +
        `(${b10.oursMessagesCalls} session.messages calls in the whole run); time per tool call ${ms(b10.baseMs)} vs ${ms(b10.oursMs)} (**${fmtRatio(b10.baseMs / b10.oursMs)}**); ` +
        `peak heap of one baseline tool call +${fmtBytes(b10.basePeak)} vs ours ${fmtBytes(ours.retained)} retained in total (**${fmtRatio(b10.basePeak / ours.retained)}**).`,
    )
  }
  for (const v of r.sessions) {
    const e = med(v.runs, (x) => x.emptyPlugin)
    const s = med(v.runs, (x) => x.afterSweep)
    const f = med(v.runs, (x) => x.afterSessions)
    L.push(
      `- **${fmtNum(v.runs[0]!.sessions, 0)} idle sessions, ${v.name}**: ${med(v.runs, (x) => x.entries.afterSessions)} entries and +${fmtBytes(f - e)} after the sessions; ` +
        `${med(v.runs, (x) => x.entries.afterSweep)} entries and ${fmtBytes(s - e)} above the empty plugin after the TTL and one sweep (${((100 * (s - e)) / Math.max(1, f - e)).toFixed(1)}% of the peak).`,
    )
  }
  if (r.opencode) {
    const none = r.opencode.runs.find((x) => x.config === "none" && x.ok)
    const q = (x: number | undefined, y: number | undefined) => fmtRatio((x ?? NaN) / (y ?? NaN))
    for (const x of r.opencode.runs) {
      if (x.config === "none") continue
      const label = x.config.startsWith("none") ? `${x.config}, no plugin: the noise between two identical runs` : x.config
      L.push(
        x.ok && none
          ? `- **Real OpenCode, ${label}**: mean RSS over the session ${mb(x.meanRssKB)} vs ${mb(none.meanRssKB)} without plugins (**${q(x.meanRssKB, none.meanRssKB)}**), peak ${mb(x.peakRssKB)} vs ${mb(none.peakRssKB)} (**${q(x.peakRssKB, none.peakRssKB)}**), final ${mb(x.finalRssKB)} vs ${mb(none.finalRssKB)} (**${q(x.finalRssKB, none.finalRssKB)}**).`
          : `- **Real OpenCode, ${label}**: not measured (${x.error ?? "the no-plugin run failed"}).`,
      )
    }
  } else {
    L.push("- Real OpenCode: skipped in quick mode.")
  }
  L.push(...idleHeadline(r.idle))
  L.push("")

  // ---------------------------------------------------------------- part 1
  L.push("## 1. Event path")
  L.push("")
  L.push(
    `The plugin's real entry (\`createLongrun\` from src/plugin.ts, every hook on: ${ep.hooksLoaded.join(", ")}) with a fake client that only counts calls, ` +
      `fed one generated session through its \`event\` hook, with the plugin hooks OpenCode calls in between (chat.message, chat.params, tool.execute.before/after, ` +
      `experimental.text.complete, experimental.session.compacting). The plugin's clock follows the session (3 s per LLM step). ${r.eventPath.length} run(s), each in a fresh process; figures are medians.`,
  )
  L.push("")
  L.push(`**What was generated**: ${ep.described}.`)
  L.push("")
  const st = ep.stats
  L.push(
    `Over ${fmtNum(st.messages, 0)} messages that is ${fmtNum(st.events, 0)} events (${Object.entries(st.eventsByType)
      .map(([k, v]) => `${k} ${fmtNum(v, 0)}`)
      .join(", ")}), ${Object.entries(st.hookCalls)
      .map(([k, v]) => `${k} ×${fmtNum(v, 0)}`)
      .join(", ")}; ${fmtNum(st.toolCalls, 0)} tool calls of which ${fmtNum(st.bigToolOutputs, 0)} big, ${fmtBytes(st.toolOutputBytes)} of tool output; ` +
      `${fmtNum(st.diffEvents, 0)} diff-carrying events with ${fmtBytes(st.diffEventBytes)} of patch text; ${fmtBytes(st.payloadBytes)} of payload strings in all; ` +
      `${st.compactions.requested} compactions asked for by the plugin and ${st.compactions.hostForced} forced at OpenCode's own overflow point (a step jumped past both thresholds).`,
  )
  L.push("")
  L.push(
    "Latency is the time from calling the hook until it returns and every handler it started has settled (`router.flush()`), per event, " +
      "from a fixed-size log histogram (2% buckets). Events/s counts plugin time only (generation excluded). Retained heap: live JSC heap after `Bun.gc(true)` " +
      "(`heapStats().heapSize`, which includes string bodies), minus the same measure before the plugin was created (after a warm-up instance ran and was disposed), " +
      "the smallest of 3 samples on separate event-loop turns. The data/code split comes from a heap snapshot at the same point: *code* is compiled code and engine " +
      "metadata (CodeBlocks, Executables, Structures, which JSC discards on a forced GC and recompiles as the code runs again), *data* is everything else; " +
      "the snapshot counts cell sizes differently from heapStats, so the two parts need not add up to the Δ exactly.",
  )
  L.push("")
  L.push(
    table(
      ["messages", "events so far", "events/s (segment)", "p50", "p99", "p99.9", "max", "retained heap (heapStats Δ)", "…data", "…code", "attributed (status().retainedBytes)", "message records kept"],
      cps.map((c) => [
        fmtNum(c.messages, 0),
        fmtNum(c.events, 0),
        fmtNum(c.eventsPerSec, 0),
        us(c.p50),
        us(c.p99),
        us(c.p999),
        us(c.max),
        r.eventPath.length > 1 ? `${fmtBytes(c.retained)} (${fmtBytes(c.retainedMin)}–${fmtBytes(c.retainedMax)})` : fmtBytes(c.retained),
        fmtBytes(c.data),
        fmtBytes(c.code),
        fmtBytes(c.attributed),
        fmtNum(c.kept, 0),
      ]),
    ),
  )
  L.push("")
  L.push(`Empty plugin (after createLongrun, before any event): ${fmtBytes(med(r.eventPath, (x) => x.emptyPluginHeap))} of heap.`)
  L.push("")
  L.push("Per-event latency over the whole stream:")
  L.push("")
  const latRow = (name: string, f: (x: EventPathRun) => LatencySummary) => [
    name,
    fmtNum(med(r.eventPath, (x) => f(x).count), 0),
    us(med(r.eventPath, (x) => f(x).meanUs)),
    us(med(r.eventPath, (x) => f(x).p50Us)),
    us(med(r.eventPath, (x) => f(x).p90Us)),
    us(med(r.eventPath, (x) => f(x).p99Us)),
    us(med(r.eventPath, (x) => f(x).p999Us)),
    us(med(r.eventPath, (x) => f(x).maxUs)),
  ]
  L.push(
    table(
      ["", "count", "mean", "p50", "p90", "p99", "p99.9", "max"],
      [
        latRow("all events", (x) => x.total.latency),
        latRow("events carrying ≥100 KB (big tool outputs, diffs)", (x) => x.total.bigLatency),
        latRow("tool.execute.after (all hooks chained)", (x) => x.total.toolAfter),
      ],
    ),
  )
  L.push("")
  if (ep.pluginSaw) {
    const saw = ep.pluginSaw
    L.push(
      `What the plugin's store says it measured over the session (its per-session byte counters, from longrun_status): ` +
        `tool output ${fmtBytes(saw.toolOutputBytes)} (generated: ${fmtBytes(st.toolOutputBytes)}), text ${fmtBytes(saw.textBytes)}, diff bodies ${fmtBytes(saw.diffBodyBytes)} (generated: ${fmtBytes(st.diffEventBytes)} over all diff-carrying events); largest payloads: ${saw.largestPayloads.map((p) => `${p.kind} ${p.label} ${fmtBytes(p.bytes)}`).join(", ") || "none"}.` +
        (saw.diffBodyBytes === 0 && st.diffEventBytes > 0 && !saw.largestPayloads.some((p) => p.kind === "diff")
          ? " **The store measured no diff bytes** although the stream carried patch-shaped summary.diffs (see the note at the end)."
          : ""),
    )
    L.push("")
  }
  L.push(`Client calls the plugin made during one run: ${Object.entries(ep.clientCalls).map(([k, v]) => `${k} ×${v}`).join(", ") || "none"} (no \`session.messages\`).`)
  L.push("")

  // ---------------------------------------------------------------- part 2
  L.push("## 2. Against the naive baseline")
  L.push("")
  L.push(
    "The baseline (bench/lib/baseline.ts) does what plugins did before event caching: on every tool call its context monitor, its compaction check and its todo " +
      "check each call `client.session.messages()` (3 reads per tool call). Its fake client serves the same generated history, kept the way OpenCode's server keeps it " +
      "(latest info and parts per message), serialized with `JSON.stringify` as the server would send it and parsed with `JSON.parse` as the client would; both costs " +
      "land in the OpenCode process, where plugins run. Both plugins see the same stream in the same process; at each session length the next tool calls are timed " +
      "for both. *Ours per tool call* is the time of the tool part's events plus tool.execute.before/after. The baseline's peak heap comes from a separate pass of one " +
      "tool call that forces a GC while the response text and the parsed history are both alive, minus the live heap before the call; ours is measured the same way " +
      "around its tool.execute.after. *Peak heap ratio* compares the baseline's extra heap during one tool call with everything our plugin retains at that length " +
      "(part 1), because ours adds nothing measurable during a tool call.",
  )
  L.push("")
  L.push(`Same generator and sizes as part 1 (payloads here are substrings of one shared string, so the history costs little to keep; every read still serializes the full bodies).`)
  L.push("")
  L.push(
    table(
      ["messages", "runs × tool calls", "baseline: history read per tool call", "ours", "baseline: time per tool call", "ours", "time ratio", "baseline: peak extra heap in one tool call", "ours: extra heap in one tool call", "ours: retained heap (part 1)", "peak heap ratio"],
      base.map((b) => {
        const ours = oursAt(b.messages)
        return [
          fmtNum(b.messages, 0),
          `${b.runs} × ${b.toolCallsTimed / Math.max(1, b.runs)}`,
          `${fmtBytes(b.bytes)} (${b.reads} reads)`,
          fmtBytes(b.oursBytes),
          ms(b.baseMs),
          ms(b.oursMs),
          `**${fmtRatio(b.baseMs / b.oursMs)}**`,
          fmtBytes(b.basePeak),
          fmtBytes(b.oursPeak),
          `${fmtBytes(ours.retained)}${ours.messages !== b.messages ? ` (at ${fmtNum(ours.messages, 0)})` : ""}`,
          `**${fmtRatio(b.basePeak / ours.retained)}**`,
        ]
      }),
    ),
  )
  L.push("")
  L.push(
    `One baseline read at each length: serialize ${base.map((b) => `${ms(b.serializeMs)} @${fmtNum(b.messages, 0)}`).join(", ")}; parse ${base.map((b) => `${ms(b.parseMs)} @${fmtNum(b.messages, 0)}`).join(", ")}. ` +
      `Bytes read grow linearly with the session (${base.map((b) => `${fmtBytes(b.bytes / Math.max(1, b.messages))}/message @${fmtNum(b.messages, 0)}`).join(", ")}); ours stay at 0. ` +
      `The ${fmtNum(Math.max(...base.map((b) => b.messages)), 0)}-message sample runs ${base[base.length - 1]!.runs === 1 ? `once (one baseline tool call takes ${ms(base[base.length - 1]!.baseMs)} there)` : `${base[base.length - 1]!.runs} times`}. ` +
      `${fmtNum(100_000, 0)} messages is not sampled for the baseline: its history would be ~${fmtBytes((base[base.length - 1]!.bytes / Math.max(1, base[base.length - 1]!.reads) / base[base.length - 1]!.messages) * 100_000)} per read, beyond JSC's maximum string length.`,
  )
  L.push("")

  // ---------------------------------------------------------------- part 3
  L.push("## 3. Many sessions")
  L.push("")
  const sr = r.sessions[0]!.runs[0]!
  L.push(
    `${fmtNum(sr.sessions, 0)} sessions of ${sr.messagesPerSession} messages each (same generator: ${sr.messagesPerSession} messages in turns of 1 user + 4 assistant steps, 8 KB tool outputs, ` +
      `a 200 KB one every 5th tool call, a 512 KB file patch in summary.diffs every 2nd turn; half are children of the first), each ending idle, none ever deleted. ` +
      `Heap after forced GC (as in part 1, against the heap before the plugin existed): the empty plugin, after the sessions, and after the clock (the \`now\` override) ` +
      `moves past session_ttl_ms and the plugin's own sweep timer (sweep_interval_ms 1000, real time) runs once. ${r.sessions[0]!.runs.length} run(s) each, medians.`,
  )
  L.push("")
  L.push(
    table(
      ["variant", "empty plugin", "after sessions", "after TTL + one sweep", "residual vs empty", "…data", "…code", "entries after sessions → after sweep", "evicted / expired", "attributed after sessions → after sweep", "left after sweep"],
      r.sessions.map((v) => {
        const e = med(v.runs, (x) => x.emptyPlugin)
        const f = med(v.runs, (x) => x.afterSessions)
        const s = med(v.runs, (x) => x.afterSweep)
        const x0 = v.runs[0]!
        return [
          v.name,
          fmtBytes(e),
          fmtBytes(f),
          fmtBytes(s),
          `${fmtBytes(s - e)} (${((100 * (s - e)) / Math.max(1, f - e)).toFixed(1)}% of the peak)`,
          fmtBytes(med(v.runs, (x) => x.residualSplit.data)),
          fmtBytes(med(v.runs, (x) => x.residualSplit.code)),
          `${med(v.runs, (x) => x.entries.afterSessions)} (${fmtNum(med(v.runs, (x) => x.entries.messageRecordsAfterSessions), 0)} message records) → ${med(v.runs, (x) => x.entries.afterSweep)}`,
          `${x0.storeStats.afterSweep.evicted} / ${x0.storeStats.afterSweep.expired}`,
          `${fmtBytes(med(v.runs, (x) => x.attributed.afterSessions))} → ${fmtBytes(med(v.runs, (x) => x.attributed.afterSweep))}`,
          x0.cachesAfterSweep.map((c) => `${c.name} (${c.entries})`).join(", ") || "nothing",
        ]
      }),
    ),
  )
  L.push("")
  {
    const d = r.sessions.map((v) => med(v.runs, (x) => x.residualSplit.data))
    const c = r.sessions.map((v) => med(v.runs, (x) => x.residualSplit.code))
    const kept = r.sessions.map((v) => med(v.runs, (x) => x.entries.afterSessions))
    const same = d.length > 1 && Math.max(...d) <= 1.2 * Math.min(...d) + 4096
    L.push(
      `The residual split by heap snapshot (empty plugin vs after the sweep): data ${d.map(fmtBytes).join(" / ")}, compiled code and engine metadata ${c.map(fmtBytes).join(" / ")} ` +
        "(per variant). JSC discards compiled code on a forced GC, so code compiled while the sessions ran shows up as residual even though no session state is left. " +
        (same
          ? `The data residual is the same in both variants although they held ${kept.join(" vs ")} sessions, so it does not scale with sessions (functions, their metadata and strings created on first use). `
          : `The data residuals differ between variants that held ${kept.join(" vs ")} sessions: look for state that scales with sessions. `) +
        "The store and every hook cache are empty after the sweep (last column).",
    )
  }
  L.push("")

  // ---------------------------------------------------------------- part 4
  L.push("## 4. Real OpenCode")
  L.push("")
  if (!r.opencode) {
    L.push("Skipped in quick mode.")
  } else {
    const a = r.opencode.args as { prompts: number; stepsPerPrompt: number; outputBytes: number }
    L.push(
      `The real \`opencode serve\` (testkit/opencode/harness.ts: isolated temp project and XDG dirs) driven by the scripted model through one long session: ${a.prompts} user turns, each ${a.stepsPerPrompt} tool steps and a closing reply (${a.prompts * (a.stepsPerPrompt + 1)} model requests), ` +
        `each step a bash call printing ~${Math.round(a.outputBytes / 1024)} KB; every 10th step also writes that log into one of 4 files in the project, so OpenCode's snapshots put those files' diffs (patches with whole-file context) into summary.diffs (${a.prompts * a.stepsPerPrompt} tool steps, OpenCode truncates what the model sees to its own limits), usage kept below every compaction threshold so every run does the same work. ` +
        `RSS of the opencode process read from /proc/<pid>/status every 200 ms (mean and peak of the samples; VmHWM is the kernel's own peak). One run per configuration in the same bench run: the servers start one after another, then the ${r.opencode.runs.length} sessions run side by side, so they share the same machine load (durations include that contention). Ratios are against the first no-plugin run; a second no-plugin run (\`none (again)\`) shows how far two identical runs of OpenCode differ, so a plugin's ratio means something only where it is outside that spread. RSS in a garbage-collected runtime depends on when the collector ran, which is why the mean over the session is shown next to the peak and the final figure.` +
        (r.opencode.omoEntry ? ` oh-my-opencode@4.19.4 was installed with npm into a temp dir outside the project (${r.opencode.omoInstallMs !== undefined ? `${(r.opencode.omoInstallMs / 1000).toFixed(0)} s, reused between runs` : ""}).` : ""),
    )
    L.push("")
    const none = r.opencode.runs.find((x) => x.config === "none" && x.ok)
    const ratio = (x: number | undefined, y: number | undefined) => (x && y ? fmtRatio(x / y) : "n/a")
    L.push(
      table(
        ["configuration", "loaded", "RSS when ready", "mean RSS (samples)", "peak RSS (sampled)", "VmHWM", "final RSS (idle, +2 s)", "mean vs none", "peak vs none", "final vs none", "duration", "tool steps", "events seen (with summary.diffs, their bodies)"],
        r.opencode.runs.map((x) =>
          x.ok
            ? [
                x.config,
                `${x.toolsOffered} tools offered${x.longrunToolOffered ? " (incl. longrun_status)" : ""}`,
                mb(x.startRssKB),
                mb(x.meanRssKB),
                mb(x.peakRssKB),
                mb(x.hwmKB),
                mb(x.finalRssKB),
                `**${ratio(x.meanRssKB, none?.meanRssKB)}**`,
                `**${ratio(x.peakRssKB, none?.peakRssKB)}**`,
                `**${ratio(x.finalRssKB, none?.finalRssKB)}**`,
                `${((x.durationMs ?? 0) / 1000).toFixed(0)} s`,
                String(x.toolSteps),
                `${fmtNum(x.events ?? NaN, 0)} (${x.diffEvents}, ${fmtBytes(x.diffBytes ?? NaN)})`,
              ]
            : [x.config, `failed: ${(x.error ?? "").split("\n")[0]!.slice(0, 200)}`, "", "", "", "", "", "", "", "", "", "", ""],
        ),
      ),
    )
  }
  L.push("")
  L.push(...idleSection(r.idle))

  // ---------------------------------------------------------------- watchdog
  L.push("## Memory watchdog sampler cost")
  L.push("")
  {
    const w = r.watchdog
    const res = w.result as { nsPerSample?: number; runs?: number[]; defaultIntervalMs?: number; cpuShareAtDefaultInterval?: number } | undefined
    L.push(
      !w.available
        ? `Not measured: ${w.reason}.`
        : res && typeof res.nsPerSample === "number"
          ? `\`${w.exportName}()\` from ${w.file} (one sample: process.memoryUsage() plus a ring-buffer push), median of ${res.runs?.length} calls: ` +
            `**${us(res.nsPerSample / 1000)} per sample**` +
            (res.defaultIntervalMs
              ? `; at the default interval of ${res.defaultIntervalMs / 1000} s that is ${(100 * (res.cpuShareAtDefaultInterval ?? 0)).toExponential(1)}% of one core.`
              : ".") +
            ` All calls: ${res.runs?.map((x) => us(x / 1000)).join(", ")}.`
          : `\`${w.exportName}()\` from ${w.file}:\n\n\`\`\`json\n${JSON.stringify(w.result, null, 2)}\n\`\`\``,
    )
  }
  L.push("")

  // ---------------------------------------------------------------- notes
  L.push("## Notes on method")
  L.push("")
  L.push(
    "- Every measurement runs in its own `bun` process (bench/workers/*), so one part's garbage or compiled code never shows up in another's heap.\n" +
      "- JSC scans the native stack conservatively: a stale slot can keep one recently used payload (up to 1 MB here) alive through a forced GC. Each heap figure is the smallest of 3 GC'd samples taken on separate event-loop turns, and medians are over runs; the min–max range across runs is shown in part 1.\n" +
      "- Big strings are cut from one pre-built buffer (`Buffer#toString`, a real copy per payload in parts 1 and 3, so a plugin that kept one would show in the heap), which keeps generation cheap.\n" +
      "- Diffs are generated in the shape OpenCode 1.18.33 actually sends, checked on the real binary: `summary.diffs` entries are `{ file, patch, additions, deletions, status }`, " +
      "and the patch is made with unlimited context, so it holds the whole file (not the `before`/`after` bodies older notes describe). The sizes are the same either way.\n" +
      "- No figure here is asserted anywhere; the benchmark reports, it does not pass or fail.",
  )
  L.push("")

  const md = L.join("\n")
  const mdFile = join(outDir, "RESULTS.md")
  writeFileSync(mdFile, md)

  const svg = logLogChart({
    title: "Memory against session length: opencode-longrun vs the naive baseline",
    subtitle: `${r.quick ? "quick run; " : ""}${date}; medians of ${r.eventPath.length} run(s) for ours`,
    xLabel: "session length (messages, log scale)",
    yLabel: "bytes (log scale, decimal units)",
    formatX: (v) => (v >= 1000 ? `${v / 1000}k` : String(v)),
    formatY: (v) => (v >= 1e9 ? `${v / 1e9} GB` : v >= 1e6 ? `${v / 1e6} MB` : v >= 1e3 ? `${v / 1e3} kB` : `${v} B`),
    series: [
      { label: "ours: retained heap after forced GC (heapStats Δ)", color: "#1f77b4", points: cps.map((c) => [c.messages, c.retained]) },
      { label: "ours: data part of it (heap snapshot)", color: "#1f77b4", dashed: true, points: cps.map((c) => [c.messages, c.data]) },
      { label: "ours: store attribution (status().retainedBytes)", color: "#2ca02c", dashed: true, points: cps.map((c) => [c.messages, c.attributed]) },
      { label: "baseline: peak extra heap during one tool call", color: "#d62728", points: base.map((b) => [b.messages, b.basePeak]) },
      { label: "baseline: history bytes read per tool call", color: "#ff7f0e", dashed: true, points: base.map((b) => [b.messages, b.bytes]) },
    ],
  })
  const svgFile = join(outDir, "retained-memory.svg")
  writeFileSync(svgFile, svg)
  return [mdFile, svgFile]
}
