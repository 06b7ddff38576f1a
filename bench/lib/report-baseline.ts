/** Part 2 of the report: the naive baseline that reads the history on every tool call. */
import { fmtBytes, fmtNum, fmtRatio } from "./measure"
import { ms, table, type Summary } from "./report-format"
import type { BenchResults } from "./report-types"

export function baselineSection(_r: BenchResults, s: Summary): string[] {
  const { base, oursAt } = s
  const L: string[] = []
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
  L.push(
    `Same generator and sizes as part 1 (payloads here are substrings of one shared string, so the history costs little to keep; every read still serializes the full bodies).`,
  )
  L.push("")
  L.push(
    table(
      [
        "messages",
        "runs × tool calls",
        "baseline: history read per tool call",
        "ours",
        "baseline: time per tool call",
        "ours",
        "time ratio",
        "baseline: peak extra heap in one tool call",
        "ours: extra heap in one tool call",
        "ours: retained heap (part 1)",
        "peak heap ratio",
      ],
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
  return L
}
