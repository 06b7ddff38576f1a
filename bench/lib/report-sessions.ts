/** Part 3 of the report: many sessions, and what is left after the TTL and a sweep. */
import { fmtBytes, fmtNum } from "./measure"
import { med, table } from "./report-format"
import type { BenchResults } from "./report-types"

export function sessionsSection(r: BenchResults): string[] {
  const L: string[] = []
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
      [
        "variant",
        "empty plugin",
        "after sessions",
        "after TTL + one sweep",
        "residual vs empty",
        "…data",
        "…code",
        "entries after sessions → after sweep",
        "evicted / expired",
        "attributed after sessions → after sweep",
        "left after sweep",
      ],
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
          `${med(v.runs, (x) => x.entries.afterSessions)} (${fmtNum(
            med(v.runs, (x) => x.entries.messageRecordsAfterSessions),
            0,
          )} message records) → ${med(v.runs, (x) => x.entries.afterSweep)}`,
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
  return L
}
