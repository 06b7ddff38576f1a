import type { SessionEntry } from "../../cache/session-entry"
import { table } from "../../status/format"
import type { StatusSection } from "../types"
import type { PruneState } from "./state"

export interface Timing {
  count: number
  totalMs: number
  maxMs: number
  lastMs: number
  failures: number
}

const n = (x: number) => x.toLocaleString("en-US")

/** The pruning section of longrun_status: what was left out, when, and what it saved. */
export function pruningStatus(
  entries: readonly SessionEntry[],
  name: string,
  timing: Timing,
  recent: readonly number[],
): StatusSection {
  const sessions = entries.flatMap((e) => {
    const s = e.peekState<PruneState>(name)
    if (!s || s.requests === 0) return []
    return [
      {
        id: e.id,
        requests: s.requests,
        moments: s.moments,
        lastMoment: s.lastMoment ? { ...s.lastMoment } : undefined,
        charsNotSent: s.charsNotSent,
        tokensNotSent: Math.round(s.charsNotSent / 4),
        lastRequest: { ...e.pruning, byStrategy: { ...e.pruning.byStrategy } },
      },
    ]
  })
  const sorted = [...recent].sort((a, b) => a - b)
  const medianMs = sorted.length ? sorted[Math.floor(sorted.length / 2)]! : 0
  const data = {
    sessions,
    transform: { ...timing, meanMs: timing.count ? timing.totalMs / timing.count : 0, recentMedianMs: medianMs },
  }
  const rows = sessions.map((s) => [
    s.id,
    String(s.lastRequest.partsPruned),
    `~${n(s.lastRequest.tokensSaved)}`,
    `~${n(s.tokensNotSent)}`,
    `${s.moments}${s.lastMoment ? ` (last: request ${s.lastMoment.request}, ${s.lastMoment.cold ? "cache cold" : "paid for itself"})` : ""}`,
    `$${s.lastRequest.dollarsSaved.toFixed(2)}`,
    Object.entries(s.lastRequest.byStrategy)
      .map(([k, v]) => `${k} ${v.parts}`)
      .join(", ") || "-",
  ])
  const text = `${
    rows.length
      ? table(
          [
            "session",
            "parts left out",
            "tokens saved (last request)",
            "tokens not sent (session)",
            "moments",
            "saved (est.)",
            "by strategy",
          ],
          rows,
        )
      : "nothing pruned yet"
  }\ntransform: ${timing.count} requests, mean ${data.transform.meanMs.toFixed(3)} ms, median of the last ${sorted.length} ${medianMs.toFixed(3)} ms, max ${timing.maxMs.toFixed(3)} ms`
  return { title: "context pruning", data, text }
}
