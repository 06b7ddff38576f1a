/** The headline: one line per finding, each a ratio measured within the run. */
import { fmtBytes, fmtNum, fmtRatio } from "./measure"
import { idleHeadline } from "./report-idle"
import { mb, med, ms, us, type Summary } from "./report-format"
import type { BenchResults } from "./report-types"

export function headlineSection(r: BenchResults, s: Summary): string[] {
  const { base, last, firstFlat, oursAt } = s
  const L: string[] = []
  L.push("## Headline")
  L.push("")
  const b10 = base[base.length - 1]
  L.push(
    `- **Event path**: ${fmtNum(last.messages, 0)} messages (${fmtNum(last.events, 0)} events) at ${fmtNum(
      med(r.eventPath, (x) => x.total.eventsPerSec),
      0,
    )} events/s of plugin time; ` +
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
  return L
}
