import type { SessionEntry } from "../../cache/session-entry"
import { table } from "../../status/format"
import type { StatusSection } from "../types"
import { hitRate } from "./ledger"

const usd = (x: number) => `$${x.toFixed(x >= 100 ? 0 : 2)}`
const k = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}K` : String(x))

/** The bill section of longrun_status: per session, priced at the model's prices. */
export function billStatus(entries: readonly SessionEntry[]): StatusSection | undefined {
  const sessions = entries.filter((e) => e.bill.steps > 0)
  if (sessions.length === 0) return undefined
  const data = sessions.map((e) => ({
    id: e.id,
    ...e.bill,
    lastBusts: e.bill.lastBusts.map((b) => ({ ...b })),
    hitRate: hitRate(e.bill),
    pruningSavedDollars: e.pruning.dollarsSaved,
  }))
  const rows = data.map((d) => [
    d.id,
    String(d.steps),
    `${Math.round(d.hitRate * 100)}%`,
    `${k(d.cacheRead)} / ${k(d.cacheWrite)}`,
    d.busts ? `${d.busts} (${usd(d.bustDollars)}): ${[...new Set(d.lastBusts.map((b) => b.cause))].join(", ")}` : "0",
    `${usd(d.dollars)}${d.estimated ? " (est.)" : ""}`,
    usd(d.hostDollars),
    d.pruningSavedDollars === 0
      ? "-"
      : d.pruningSavedDollars > 0
        ? `~${usd(d.pruningSavedDollars)}`
        : `~-${usd(-d.pruningSavedDollars)}`,
  ])
  const text = table(
    ["session", "steps", "cache hits", "read / written", "busts (cost): causes", "bill", "OpenCode's figure", "pruning saved"],
    rows,
  )
  return {
    title: "the bill",
    data: { sessions: data },
    text: `${text}\nPriced at the model's catalogue prices (cache reads and writes included); (est.): no prices known, Sonnet-class prices used.`,
  }
}
