import type { PartFacts } from "./part-facts"
import {
  failedInput,
  FAILED_ARG_MIN_CHARS,
  sameContentRef,
  sameErrorRef,
  sameOutputRef,
  supersededRead,
  supersededWrite,
} from "./placeholder"

export type Strategy = "dedupe" | "superseded-read" | "superseded-write" | "failed-input" | "repeated-error"
export const STRATEGIES: Strategy[] = ["dedupe", "superseded-read", "superseded-write", "failed-input", "repeated-error"]

/**
 * What to send instead of one field of one part. Keyed `${partID}:o` (the output) or
 * `${partID}:i` (the arguments). Sticky: once made, a decision never changes.
 */
export interface Decision {
  strategy: Strategy
  text: string
}

/** A tool part as the walk sees it. */
export interface WalkItem {
  id: string
  f: PartFacts
  /** 1-based user turn the part belongs to */
  turn: number
  /** first request in which the pruner sees this part */
  fresh: boolean
}

export interface StrategyOptions {
  dedupe: boolean
  supersededReads: boolean
  supersededWrites: boolean
  failedInputs: boolean
  failedAfterTurns: number
  repeatedErrors: boolean
  protectTurns: number
}

export interface Plan {
  /** lossless references for parts seen for the first time: applied at once (they change only the request's end) */
  refs: Map<string, Decision>
  /** lossy prunes of older copies: applied only at a chosen moment (each application breaks the prompt prefix) */
  pending: Map<string, Decision & { chars: number }>
  pendingChars: number
}

/**
 * One pass over the request's tool parts in order. A reference is only ever made to a
 * copy that is still sent in full and holds the very same content; an older copy is
 * only pruned when a later full copy of the same file differs from it, so the newest
 * content of every file stays in the request exactly once.
 */
export function plan(
  items: WalkItem[],
  decisions: Map<string, Decision>,
  currentTurn: number,
  o: StrategyOptions,
  dir: string,
): Plan {
  const refs = new Map<string, Decision>()
  const pending = new Map<string, Decision & { chars: number }>()
  const files = new Map<string, { holder: WalkItem | undefined; copies: WalkItem[] }>()
  const outputs = new Map<string, WalkItem>()
  const errors = new Map<string, WalkItem>()
  const lossyOk = (it: WalkItem) => it.turn <= currentTurn - o.protectTurns
  const decided = (key: string) => decisions.has(key) || refs.has(key)

  for (const it of items) {
    const { f } = it
    const out = `${it.id}:o`
    if (f.kind === "read" || f.kind === "read-part" || f.kind === "write") {
      if (!f.path || decided(out) || decided(`${it.id}:i`)) continue
      let file = files.get(f.path)
      if (!file) {
        file = { holder: undefined, copies: [] }
        files.set(f.path, file)
      }
      const holder = file.holder
      if (f.kind === "read" && it.fresh && o.dedupe && holder && holder.f.hash === f.hash) {
        const text = sameContentRef(f, holder.f, dir)
        if (text.length < f.chars) {
          refs.set(out, { strategy: "dedupe", text })
          continue
        }
      }
      if (f.kind !== "read-part") {
        // A full copy: every older copy with other content is stale.
        for (const c of file.copies) {
          if (c.f.hash === f.hash || !lossyOk(c)) continue
          if (c.f.kind === "write") {
            if (o.supersededWrites)
              pending.set(`${c.id}:i`, {
                strategy: "superseded-write",
                text: supersededWrite(c.f, f, dir),
                chars: c.f.inputChars,
              })
          } else if (o.supersededReads) {
            pending.set(`${c.id}:o`, { strategy: "superseded-read", text: supersededRead(c.f, f, dir), chars: c.f.chars })
          }
        }
        file.holder = it
      }
      file.copies.push(it)
      continue
    }
    if (f.kind === "other") {
      if (decided(out)) continue
      const first = outputs.get(f.hash)
      if (!first) outputs.set(f.hash, it)
      else if (it.fresh && o.dedupe) {
        const text = sameOutputRef(f, first.f)
        if (text.length < f.chars) refs.set(out, { strategy: "dedupe", text })
      }
      continue
    }
    // f.kind === "error"
    if (!decided(out)) {
      const first = errors.get(f.hash)
      if (!first) errors.set(f.hash, it)
      else if (it.fresh && o.repeatedErrors) {
        const text = sameErrorRef(f, first.f)
        if (text.length < f.chars) refs.set(out, { strategy: "repeated-error", text })
      }
    }
    const inp = `${it.id}:i`
    if (
      o.failedInputs &&
      !decided(inp) &&
      f.inputChars >= FAILED_ARG_MIN_CHARS &&
      lossyOk(it) &&
      it.turn <= currentTurn - o.failedAfterTurns
    ) {
      // The text stands for each long argument; apply.ts writes one per argument with its own size.
      pending.set(inp, { strategy: "failed-input", text: failedInput(f.inputChars), chars: f.inputChars })
    }
  }
  let pendingChars = 0
  for (const p of pending.values()) pendingChars += p.chars
  return { refs, pending, pendingChars }
}
