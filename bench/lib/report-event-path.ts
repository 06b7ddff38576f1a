/** Part 1 of the report: the event path (throughput, latency, retained heap by session length). */
import { fmtBytes, fmtNum, type LatencySummary } from "./measure"
import { med, table, us, type Summary } from "./report-format"
import type { BenchResults, EventPathRun } from "./report-types"

export function eventPathSection(r: BenchResults, s: Summary): string[] {
  const { cps, ep } = s
  const L: string[] = []
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
      .join(
        ", ",
      )}; ${fmtNum(st.toolCalls, 0)} tool calls of which ${fmtNum(st.bigToolOutputs, 0)} big, ${fmtBytes(st.toolOutputBytes)} of tool output; ` +
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
      [
        "messages",
        "events so far",
        "events/s (segment)",
        "p50",
        "p99",
        "p99.9",
        "max",
        "retained heap (heapStats Δ)",
        "…data",
        "…code",
        "attributed (status().retainedBytes)",
        "message records kept",
      ],
      cps.map((c) => [
        fmtNum(c.messages, 0),
        fmtNum(c.events, 0),
        fmtNum(c.eventsPerSec, 0),
        us(c.p50),
        us(c.p99),
        us(c.p999),
        us(c.max),
        r.eventPath.length > 1
          ? `${fmtBytes(c.retained)} (${fmtBytes(c.retainedMin)}–${fmtBytes(c.retainedMax)})`
          : fmtBytes(c.retained),
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
    fmtNum(
      med(r.eventPath, (x) => f(x).count),
      0,
    ),
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
  L.push(
    `Client calls the plugin made during one run: ${
      Object.entries(ep.clientCalls)
        .map(([k, v]) => `${k} ×${v}`)
        .join(", ") || "none"
    } (no \`session.messages\`).`,
  )
  L.push("")
  return L
}
