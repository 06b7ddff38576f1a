import type { BillFact } from "../../cache/facts"
import type { BillRecord } from "../../journal"
import type { LedgerState } from "./ledger"

/** Steps whose repeated update a restart must still recognise: only the newest are ever updated again. */
const COUNTED_KEPT = 8

/** The session's bill and what the ledger needs to go on counting it after a restart; undefined before the first step. */
export function billRecord(fact: BillFact, s: LedgerState): BillRecord | undefined {
  if (fact.steps === 0) return undefined
  return {
    fact: { ...fact, lastBusts: fact.lastBusts.map((b) => ({ ...b })) },
    prev: s.prev ? { ...s.prev } : undefined,
    counted: [...s.counted].slice(-COUNTED_KEPT).map(([id, c]) => [id, { ...c }]),
  }
}

export function applyBill(fact: BillFact, s: LedgerState, r: BillRecord): void {
  Object.assign(fact, r.fact, { lastBusts: r.fact.lastBusts.map((b) => ({ ...b })) })
  s.prev = r.prev ? { ...r.prev, completed: r.prev.completed } : undefined
  s.counted = new Map(r.counted.map(([id, c]) => [id, { ...c }]))
}
