/**
 * The session's bill, step by step, from the usage OpenCode stores on each finished
 * assistant message (tokens with cache reads and writes): what it cost at the model's
 * prices, and each bust (a step that wrote again most of what the step before it had in
 * the provider's prompt cache) with its likely cause. Pure: the hook feeds it.
 */
import type { Prices } from "../../bill/prices"
import { stepDollars } from "../../bill/prices"
import { type BillFact, type BustView, type CountedStep, MAX_BUST_VIEWS } from "../../cache/facts"
import type { MessageInfo } from "../../events/types"
import { detach } from "../../runtime/detach"

type Counted = CountedStep

export interface LedgerState {
  /** the newest steps counted, so a repeated update replaces its step instead of adding it again */
  counted: Map<string, Counted>
  prev: { id: string; prompt: number; completed: number | undefined; model: string; compactions: number } | undefined
}

export function createLedgerState(): LedgerState {
  return { counted: new Map(), prev: undefined }
}

const MAX_COUNTED = 256
/** A bust rewrites at least this many tokens and half of what the step before held. */
const BUST_MIN_TOKENS = 1024

export interface StepContext {
  prices: Prices
  estimated: boolean
  ttlMs: number
  /** session.compacted events seen so far */
  compactions: number
  /** the pruner's last lossy moment: made in the request after this answer */
  pruneAfter: string | undefined
  pruneCold: boolean
}

/** Counts one finished step; returns the bust it was, if it was one. */
export function recordStep(fact: BillFact, s: LedgerState, info: MessageInfo, c: StepContext): BustView | undefined {
  const t = info.tokens
  if (!t || info.completed === undefined) return undefined
  const prompt = t.input + t.cacheRead + t.cacheWrite
  if (prompt === 0) return undefined
  const step: Counted = {
    input: t.input,
    output: t.output + t.reasoning,
    cacheRead: t.cacheRead,
    cacheWrite: t.cacheWrite,
    dollars: stepDollars(t, c.prices),
    host: info.cost ?? 0,
  }
  const old = s.counted.get(info.id)
  if (old) {
    add(fact, old, -1)
    add(fact, step, 1)
    s.counted.set(info.id, step)
    return undefined
  }
  add(fact, step, 1)
  fact.steps++
  fact.estimated ||= c.estimated
  s.counted.set(detach(info.id, 256), step)
  if (s.counted.size > MAX_COUNTED) s.counted.delete(s.counted.keys().next().value!)
  const model = `${info.providerID ?? ""}/${info.modelID ?? ""}`
  let bust: BustView | undefined
  const prev = s.prev
  // A provider that never reported a cache read or write has no cache to miss.
  const cached = fact.cacheRead + fact.cacheWrite > t.cacheRead + t.cacheWrite
  if (prev && cached && prev.prompt >= BUST_MIN_TOKENS) {
    const rewritten = t.input + t.cacheWrite - Math.max(0, prompt - prev.prompt)
    if (rewritten >= Math.max(BUST_MIN_TOKENS, Math.min(prev.prompt, prompt) / 2)) {
      bust = {
        messageID: detach(info.id, 256),
        at: info.completed,
        rewritten,
        dollars: (rewritten * Math.max(0, c.prices.cacheWrite - c.prices.cacheRead)) / 1e6,
        cause: causeOf(info, prev, model, c),
      }
      fact.busts++
      fact.bustDollars += bust.dollars
      fact.lastBusts.push(bust)
      if (fact.lastBusts.length > MAX_BUST_VIEWS) fact.lastBusts.shift()
    }
  }
  s.prev = { id: detach(info.id, 256), prompt, completed: info.completed, model: detach(model, 512), compactions: c.compactions }
  return bust
}

function causeOf(info: MessageInfo, prev: NonNullable<LedgerState["prev"]>, model: string, c: StepContext): BustView["cause"] {
  if (info.summary || c.compactions > prev.compactions) return "compaction"
  if (c.pruneAfter === prev.id) return c.pruneCold ? "cache expired" : "pruning"
  if (info.created !== undefined && prev.completed !== undefined && info.created - prev.completed > c.ttlMs)
    return "cache expired"
  if (model !== prev.model) return "model changed"
  return "unknown"
}

function add(f: BillFact, s: Counted, sign: 1 | -1) {
  f.input += sign * s.input
  f.output += sign * s.output
  f.cacheRead += sign * s.cacheRead
  f.cacheWrite += sign * s.cacheWrite
  f.dollars += sign * s.dollars
  f.hostDollars += sign * s.host
}

/** Share of prompt tokens read from the cache. */
export function hitRate(f: BillFact): number {
  const all = f.input + f.cacheRead + f.cacheWrite
  return all > 0 ? f.cacheRead / all : 0
}
