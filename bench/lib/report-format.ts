/** Number formats, markdown tables and the medians across runs that the report's parts share. */
import type { BaselineSample } from "../workers/baseline"
import type { Checkpoint } from "../workers/event-path"
import { median } from "./measure"
import type { BaselineRun, BenchResults, EventPathRun } from "./report-types"

export const us = (v: number) => (Number.isFinite(v) ? (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(1)} µs`) : "n/a")
export const ms = (v: number) =>
  Number.isFinite(v)
    ? v >= 1000
      ? `${(v / 1000).toFixed(2)} s`
      : v >= 1
        ? `${v.toFixed(1)} ms`
        : `${(v * 1000).toFixed(1)} µs`
    : "n/a"
export const mb = (kb: number | undefined) => (kb === undefined ? "n/a" : `${(kb / 1024).toFixed(0)} MB`)
export const med = <T>(xs: T[], f: (x: T) => number) => median(xs.map(f))
export const row = (cells: Array<string | number>) => `| ${cells.join(" | ")} |`
export const table = (head: string[], rows: Array<Array<string | number>>, align?: string[]) =>
  [row(head), row(align ?? head.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(row)].join("\n")

/** Checkpoints of several runs, matched by message count, each metric the median across runs. */
export function medianCheckpoints(runs: EventPathRun[]) {
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

export function medianBaseline(runs: BaselineRun[]) {
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

/** What several parts of the report need: medians per session length of parts 1 and 2. */
export function summarize(r: BenchResults) {
  const cps = medianCheckpoints(r.eventPath)
  const base = medianBaseline(r.baseline)
  const at = (len: number) => cps.find((c) => c.messages === len)
  return {
    cps,
    base,
    ep: r.eventPath[0]!,
    last: cps[cps.length - 1]!,
    at,
    firstFlat: cps.find((c) => c.messages >= 1_000) ?? cps[0]!,
    /** Part 1's checkpoint at that length, or the nearest one. */
    oursAt: (len: number) => at(len) ?? cps.reduce((a, c) => (Math.abs(c.messages - len) < Math.abs(a.messages - len) ? c : a)),
    date: r.started.replace("T", " ").replace(/\.\d+Z$/, " UTC"),
  }
}

export type Summary = ReturnType<typeof summarize>
