/** Readers for the two larger sections: the pruner's decisions and the bill (a leaf). */
import type { BillFact, BustView } from "../cache/facts"
import { BAD, bool, complete, id, int, list, num, obj, ok, oneOf, opt, own, str } from "./read"
import type { BillRecord, CountedRecord, DecisionRecord, MomentJournal, PruningRecord } from "./types"

export const MAX_DECISIONS = 10_000
export const MAX_COUNTED = 64
const MAX_BUSTS = 10
const MAX_TEXT = 10_000
const SHAPES = ["prefix", "from-start"] as const
const CAUSES: readonly BustView["cause"][] = ["pruning", "compaction", "cache expired", "model changed", "unknown"]
/** Dollars may be negative (a moment's extra cost); bounded all the same. */
const dollars = (v: unknown) => num(v, -1e9, 1e9)

/** `${partID}:o` or `${partID}:i` */
export const DECISION_KEY = /^[A-Za-z0-9_-]{1,128}:[oi]$/

function readDecision(x: unknown): DecisionRecord | undefined {
  const d = list(x, 5)
  if (!d || d.length < 3) return undefined
  const key = typeof d[0] === "string" && DECISION_KEY.test(d[0]) ? d[0] : undefined
  const strategy = typeof d[1] === "string" && /^[a-z-]{1,32}$/.test(d[1]) ? d[1] : undefined
  const text = str(d[2], MAX_TEXT)
  const holder = opt(d[3], id)
  if (!key || !strategy || text === undefined || holder === BAD) return undefined
  return d[4] === 1 ? [key, strategy, text, holder, 1] : [key, strategy, text, holder]
}

function readMoment(x: unknown): MomentJournal | undefined {
  const o = obj(x)
  const need = {
    request: int(own(o, "request")),
    cold: bool(own(o, "cold")),
    parts: int(own(o, "parts")),
    chars: int(own(o, "chars")),
    extraDollars: dollars(own(o, "extraDollars")),
    netDollars: dollars(own(o, "netDollars")),
    keptShare: num(own(o, "keptShare"), 0, 1),
  }
  const may = {
    afterAnswer: opt(own(o, "afterAnswer"), id),
    readBefore: opt(own(o, "readBefore"), (v) => num(v)),
    totalTokens: opt(own(o, "totalTokens"), (v) => num(v, 0, 1e12)),
    gapMs: opt(own(o, "gapMs"), (v) => num(v, 0, 1e12)),
  }
  if (!o || !complete(need, may)) return undefined
  return {
    request: need.request!,
    cold: need.cold!,
    parts: need.parts!,
    chars: need.chars!,
    extraDollars: need.extraDollars!,
    netDollars: need.netDollars!,
    afterAnswer: ok(may.afterAnswer),
    readBefore: ok(may.readBefore),
    keptShare: need.keptShare!,
    totalTokens: ok(may.totalTokens),
    gapMs: ok(may.gapMs),
  }
}

export function readPruning(x: unknown): PruningRecord | undefined {
  const o = obj(x)
  const raw = list(own(o, "decisions"), MAX_DECISIONS)
  const decisions: DecisionRecord[] = []
  for (const item of raw ?? []) {
    const d = readDecision(item)
    if (!d) return undefined
    decisions.push(d)
  }
  const need = {
    decisions: raw,
    requests: int(own(o, "requests")),
    moments: int(own(o, "moments")),
    charsNotSent: int(own(o, "charsNotSent")),
    dollarsSaved: dollars(own(o, "dollarsSaved")),
  }
  const may = {
    seen: opt(own(o, "seen"), id),
    lastMoment: opt(own(o, "lastMoment"), readMoment),
    shape: opt(own(o, "shape"), (v) => oneOf(v, SHAPES)),
    modelKey: opt(own(o, "modelKey"), (v) => str(v, 512)),
    debt: opt(own(o, "debt"), dollars),
  }
  if (!o || !complete(need, may)) return undefined
  return {
    seen: ok(may.seen),
    decisions,
    requests: need.requests!,
    moments: need.moments!,
    lastMoment: ok(may.lastMoment),
    shape: ok(may.shape),
    modelKey: ok(may.modelKey),
    charsNotSent: need.charsNotSent!,
    dollarsSaved: need.dollarsSaved!,
    debt: ok(may.debt),
  }
}

function readCounted(x: unknown): CountedRecord | undefined {
  const o = obj(x)
  const c = {
    input: int(own(o, "input")),
    output: int(own(o, "output")),
    cacheRead: int(own(o, "cacheRead")),
    cacheWrite: int(own(o, "cacheWrite")),
    dollars: dollars(own(o, "dollars")),
    host: dollars(own(o, "host")),
  }
  return o && complete(c) ? (c as CountedRecord) : undefined
}

function readBust(x: unknown): BustView | undefined {
  const o = obj(x)
  const b = {
    messageID: id(own(o, "messageID")),
    at: num(own(o, "at")),
    rewritten: int(own(o, "rewritten")),
    dollars: dollars(own(o, "dollars")),
    cause: oneOf(own(o, "cause"), CAUSES),
  }
  return o && complete(b) ? (b as BustView) : undefined
}

function readFact(x: unknown): BillFact | undefined {
  const o = obj(x)
  const raw = list(own(o, "lastBusts"), MAX_BUSTS)
  const lastBusts: BustView[] = []
  for (const item of raw ?? []) {
    const b = readBust(item)
    if (!b) return undefined
    lastBusts.push(b)
  }
  const f = {
    steps: int(own(o, "steps")),
    input: int(own(o, "input")),
    output: int(own(o, "output")),
    cacheRead: int(own(o, "cacheRead")),
    cacheWrite: int(own(o, "cacheWrite")),
    dollars: dollars(own(o, "dollars")),
    estimated: bool(own(o, "estimated")),
    hostDollars: dollars(own(o, "hostDollars")),
    busts: int(own(o, "busts")),
    bustDollars: dollars(own(o, "bustDollars")),
  }
  if (!o || !raw || !complete(f)) return undefined
  return { ...(f as Omit<BillFact, "lastBusts">), lastBusts }
}

export function readBill(x: unknown): BillRecord | undefined {
  const o = obj(x)
  const fact = readFact(own(o, "fact"))
  const raw = list(own(o, "counted"), MAX_COUNTED)
  const counted: Array<[string, CountedRecord]> = []
  for (const item of raw ?? []) {
    const pair = list(item, 2)
    const key = id(pair?.[0])
    const value = readCounted(pair?.[1])
    if (!key || !value) return undefined
    counted.push([key, value])
  }
  const prev = opt(own(o, "prev"), (v) => {
    const p = obj(v)
    const r = {
      id: id(own(p, "id")),
      prompt: int(own(p, "prompt")),
      model: str(own(p, "model"), 512),
      compactions: int(own(p, "compactions")),
    }
    const completed = opt(own(p, "completed"), (c) => num(c))
    if (!p || !complete(r, { completed })) return undefined
    return { id: r.id!, prompt: r.prompt!, completed: ok(completed), model: r.model!, compactions: r.compactions! }
  })
  if (!fact || !raw || prev === BAD) return undefined
  return { fact, prev, counted }
}
