import { DEFAULT_PRICES } from "../../bill/prices"
import type { SessionEntry } from "../../cache/session-entry"
import { entriesIn } from "../../status/scope"
import type { HookContext, LongrunHook } from "../types"
import { createLedgerState, hitRate, type LedgerState, recordStep } from "./ledger"
import { applyBill, billRecord } from "./journal"
import { billStatus } from "./status"

const NAME = "bill"

/**
 * What the session costs, where users look: from each finished step's usage (cache reads
 * and writes included) priced at the model's catalogue prices, the cache hit rate, each
 * prompt-cache bust with its likely cause, and a toast when one bust costs more than
 * `bill_bust_toast_usd`. Publishes entry.bill; reads entry.pruning to name its own moments.
 */
export function createBillHook(ctx: HookContext): LongrunHook {
  const threshold = ctx.options.bill_bust_toast_usd
  const stateOf = (entry: SessionEntry) =>
    entry.state<LedgerState>(NAME, createLedgerState, { estimate: (s) => 200 + s.counted.size * 120 })
  // After a restart the session's bill goes on from where it was, instead of from zero.
  const journal = ctx.journal.writer("bill", (entry, saved) => applyBill(entry.bill, stateOf(entry), saved))
  return {
    name: NAME,
    events: {
      "message.updated": (ev, entry) => {
        if (!entry || ev.info.role !== "assistant") return
        const state = stateOf(entry)
        const known = ctx.prices.peek(ev.info.providerID, ev.info.modelID)
        const moment = entry.pruning.lastMoment
        const bust = recordStep(entry.bill, state, ev.info, {
          prices: known ?? DEFAULT_PRICES,
          estimated: !known,
          ttlMs: ctx.options.prompt_cache_ttl_ms,
          compactions: entry.compactedTimes,
          pruneAfter: moment?.afterAnswer,
          pruneCold: moment?.cold ?? false,
        })
        if (ev.info.completed !== undefined) journal.set(entry.id, billRecord(entry.bill, state))
        if (bust && threshold > 0 && bust.dollars >= threshold) {
          ctx.logger.toast(
            `A prompt-cache miss cost about $${bust.dollars.toFixed(2)}: ${bust.rewritten.toLocaleString("en-US")} tokens written again (${bust.cause}). This session: $${entry.bill.dollars.toFixed(2)}, ${Math.round(hitRate(entry.bill) * 100)}% of prompt tokens read from the cache.`,
            "warning",
            "Prompt cache",
          )
        }
      },
    },
    status: (scope) => billStatus(entriesIn(ctx.store, scope)),
  }
}
