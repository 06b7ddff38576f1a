import type { PartFacts } from "./part-facts"
import { LONG_ARG_CHARS } from "./part-facts"
import {
  failedInput,
  masked,
  rerun,
  sameContentRef,
  sameErrorRef,
  sameOutputRef,
  supersededRead,
  supersededWrite,
} from "./placeholder"
import { similarity } from "./similarity"

export type Strategy = "dedupe" | "repeated-error" | "superseded-read" | "superseded-write" | "rerun" | "masked" | "failed-input"
export const STRATEGIES: Strategy[] = [
  "dedupe",
  "repeated-error",
  "superseded-read",
  "superseded-write",
  "rerun",
  "masked",
  "failed-input",
]
const LOSSLESS = new Set<Strategy>(["dedupe", "repeated-error"])

/**
 * What to send instead of one field of one part, keyed `${partID}:o` (the output) or
 * `${partID}:i` (the arguments). Sticky: once made, a decision stays, except a reference
 * whose copy is no longer sent in full, which is undone at once.
 */
export interface Decision {
  strategy: Strategy
  text: string
  /** for a reference: the part whose full copy it points to */
  holder?: string
  /** the copy is that part's arguments (a write's content), not its output */
  holderInput?: boolean
}

/** A tool part as the plan sees it. */
export interface WalkItem {
  id: string
  f: PartFacts
  /** first request in which the pruner sees this part */
  fresh: boolean
  /** among the newest tool results, which reach the model in full */
  recent: boolean
}

export interface StrategyOptions {
  dedupe: boolean
  repeatedErrors: boolean
  supersededReads: boolean
  supersededWrites: boolean
  failedInputs: boolean
  nearDuplicates: boolean
  maskOld: boolean
  /** how many newest tool results are always sent in full */
  keepRecent: number
}

/** A lossy change the pruner may make at a moment the bill chooses. */
export interface LossyCandidate {
  key: string
  /** index into the plan's items */
  item: number
  decision: Decision
  /** characters it leaves out */
  saved: number
}

export interface Plan {
  /** lossless references for parts seen for the first time: made at once (only the request's end changes) */
  refs: Map<string, Decision>
  /** references whose copy is no longer sent in full: undone now */
  revoke: string[]
  /** in request order */
  lossy: LossyCandidate[]
}

/** Changes that leave out less than this are not worth a placeholder. */
export const MIN_SAVED_CHARS = 200
/** Reruns at least this alike count as the same output with small differences. */
const RERUN_ALIKE = 0.5

/** Keys of references that no longer point at a copy sent in full. */
export function invalidRefs(items: readonly WalkItem[], decisions: ReadonlyMap<string, Decision>): string[] {
  const present = new Set(items.map((it) => it.id))
  const out: string[] = []
  for (const [key, d] of decisions) {
    if (!d.holder) continue
    const full = present.has(d.holder) && !decisions.has(`${d.holder}:${d.holderInput ? "i" : "o"}`)
    if (!full) out.push(key)
  }
  return out
}

/**
 * Lossy decisions on parts that are among the newest results again (the history shrank:
 * OpenCode's undo, another plugin's transform). They are undone: the newest always go in full.
 */
function lossyOnRecent(items: readonly WalkItem[], decisions: ReadonlyMap<string, Decision>): string[] {
  const out: string[] = []
  for (const it of items) {
    if (!it.recent) continue
    for (const key of [`${it.id}:o`, `${it.id}:i`]) {
      const d = decisions.get(key)
      if (d && !isLossless(d)) out.push(key)
    }
  }
  return out
}

/**
 * One pass for references (made only to a copy sent in full with the very same content),
 * one backward pass for what later calls made stale, then the lossy candidates: every
 * output older than the newest `keepRecent` tool results, labelled by why it can go.
 */
export function plan(
  items: readonly WalkItem[],
  decisions: ReadonlyMap<string, Decision>,
  o: StrategyOptions,
  dir: string,
): Plan {
  const revoke = [...invalidRefs(items, decisions), ...lossyOnRecent(items, decisions)]
  const gone = new Set(revoke)
  const decided = (key: string) => (decisions.has(key) && !gone.has(key)) || refs.has(key)
  const refs = new Map<string, Decision>()
  const outputs = new Map<string, WalkItem>()
  const content = new Map<string, { hash: string; holder: WalkItem; written: boolean }>()
  for (const it of items) {
    const { f } = it
    const out = `${it.id}:o`
    const full = !decided(out)
    if (it.fresh && full) {
      const holder = outputs.get(f.hash)
      const known = f.file ? content.get(f.file.path) : undefined
      if (f.status === "error" ? o.repeatedErrors : o.dedupe) {
        // A re-read of an unchanged file says so; any other repeat names the identical call.
        if (known && f.file && known.hash === f.file.content) {
          const text = sameContentRef(f, known.holder.f, f.file.path, dir)
          if (f.chars - text.length >= MIN_SAVED_CHARS)
            refs.set(out, { strategy: "dedupe", text, holder: known.holder.id, holderInput: known.written || undefined })
        } else if (holder) {
          const text = f.status === "error" ? sameErrorRef(f, holder.f) : sameOutputRef(f, holder.f)
          if (f.chars - text.length >= MIN_SAVED_CHARS)
            refs.set(out, { strategy: f.status === "error" ? "repeated-error" : "dedupe", text, holder: holder.id })
        }
      }
    }
    if (!decided(out) && !outputs.has(f.hash)) outputs.set(f.hash, it)
    for (const p of f.changes) content.delete(p)
    if (f.file && !decided(out)) content.set(f.file.path, { hash: f.file.content, holder: it, written: false })
    if (f.wrote !== undefined && f.changes[0] && !decided(`${it.id}:i`))
      content.set(f.changes[0], { hash: f.wrote, holder: it, written: true })
  }

  // A copy a recent reference points at stays: leaving it out would send the reference's content again.
  const heldForRecent = new Set<string>()
  for (const it of items) {
    if (!it.recent) continue
    const d = refs.get(`${it.id}:o`) ?? (gone.has(`${it.id}:o`) ? undefined : decisions.get(`${it.id}:o`))
    if (d?.holder) heldForRecent.add(`${d.holder}:${d.holderInput ? "i" : "o"}`)
  }
  const lossy: LossyCandidate[] = []
  const nextChange = new Map<string, WalkItem>()
  const nextRead = new Map<string, WalkItem>()
  const nextCall = new Map<string, WalkItem>()
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i]!
    const { f } = it
    if (!it.recent) {
      const out = `${it.id}:o`
      if (!decided(out) && !heldForRecent.has(out)) {
        const d = outputDecision(it, { nextChange, nextRead, nextCall }, o, dir)
        if (d && f.chars - d.text.length >= MIN_SAVED_CHARS)
          lossy.push({ key: out, item: i, decision: d, saved: f.chars - d.text.length })
      }
      const inp = `${it.id}:i`
      if (!decided(inp) && !heldForRecent.has(inp)) {
        const by = f.changes[0] ? nextChange.get(f.changes[0]) : undefined
        let d: Decision | undefined
        if (f.wrote !== undefined && by && o.supersededWrites)
          d = { strategy: "superseded-write", text: supersededWrite(f, f.changes[0]!, by.f, dir) }
        else if (f.status === "error" && f.inputChars >= LONG_ARG_CHARS && o.failedInputs)
          d = { strategy: "failed-input", text: failedInput(f.inputChars) }
        if (d && f.inputChars - d.text.length >= MIN_SAVED_CHARS)
          lossy.push({ key: inp, item: i, decision: d, saved: f.inputChars - d.text.length })
      }
    }
    for (const p of f.changes) nextChange.set(p, it)
    if (f.file) nextRead.set(f.file.path, it)
    nextCall.set(f.callKey, it)
  }
  lossy.reverse()
  return { refs, revoke, lossy }
}

function outputDecision(
  it: WalkItem,
  later: { nextChange: Map<string, WalkItem>; nextRead: Map<string, WalkItem>; nextCall: Map<string, WalkItem> },
  o: StrategyOptions,
  dir: string,
): Decision | undefined {
  const { f } = it
  if (o.supersededReads) {
    for (const p of f.file ? [f.file.path, ...f.views] : f.views) {
      const changed = later.nextChange.get(p)
      if (changed) return { strategy: "superseded-read", text: supersededRead(f, p, changed.f, true, dir) }
      // A later read of the whole file holds all this one showed, unless it is this very content.
      const read = later.nextRead.get(p)
      if (read && (!f.file || read.f.file!.content !== f.file.content))
        return { strategy: "superseded-read", text: supersededRead(f, p, read.f, false, dir) }
    }
  }
  const again = later.nextCall.get(f.callKey)
  if (o.nearDuplicates && again && f.sig && again.f.sig) {
    const alike = similarity(f.sig, again.f.sig)
    if (alike >= RERUN_ALIKE) return { strategy: "rerun", text: rerun(f, again.f, alike) }
  }
  if (o.maskOld) return { strategy: "masked", text: masked(f, o.keepRecent) }
  return undefined
}

export function isLossless(d: Decision): boolean {
  return LOSSLESS.has(d.strategy)
}
