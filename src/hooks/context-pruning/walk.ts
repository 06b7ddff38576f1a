/**
 * One pass over the outgoing messages: the tool parts the pruner may act on (with cached
 * facts), where each sits in the request (characters before it, as the request is sent
 * with the decisions already made), and what each earlier step cost, for the bill.
 */
import { detach } from "../../runtime/detach"
import { type Located, type OutgoingMessage, replaceInput } from "./apply"
import type { Decision, WalkItem } from "./decide"
import { boundedJsonLength } from "./keys"
import { factsBytes, isToolPart, partFacts, type PartFacts } from "./part-facts"
import { forget, type PruneState } from "./state"

const CLEARED = "[Old tool result content cleared]"

export interface StepSeen {
  /** characters before this assistant message: what its request sent */
  before: number
  /** characters the model wrote in it (text, tool arguments) */
  out: number
  tokens: { input: number; output: number; reasoning: number; cacheRead: number; cacheWrite: number } | undefined
  id: string | undefined
}

export interface Walk {
  items: WalkItem[]
  located: Located[]
  /** characters before each item, parallel to items */
  at: number[]
  totalChars: number
  steps: StepSeen[]
  /** ids of every tool part still sent, for trimming state */
  seen: Set<string>
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0)

interface InfoLike {
  role?: unknown
  id?: unknown
  tokens?: { input?: unknown; output?: unknown; reasoning?: unknown; cache?: { read?: unknown; write?: unknown } }
}

const text = (v: unknown) => (typeof v === "string" ? v : undefined)

function tokensOf(info: InfoLike): StepSeen["tokens"] {
  const t = info.tokens
  if (!t || typeof t !== "object") return undefined
  const r = {
    input: num(t.input),
    output: num(t.output),
    reasoning: num(t.reasoning),
    cacheRead: num(t.cache?.read),
    cacheWrite: num(t.cache?.write),
  }
  return r.input + r.cacheRead + r.cacheWrite > 0 ? r : undefined
}

/** Characters of a call's arguments as sent, counted with a budget (shared sub-objects cannot blow it up). */
function inputChars(input: unknown): number {
  return boundedJsonLength(input ?? {}, 1_000_000)
}

export function walk(
  messages: OutgoingMessage[],
  state: PruneState,
  protectedTools: ReadonlySet<string>,
  keepRecent: number,
  dir: string,
): Walk {
  const decisions = state.decisions
  // Two parts with one id cannot be told apart by id: both are left alone.
  const count = new Map<string, number>()
  let tools = 0
  for (const m of messages)
    if (m && Array.isArray(m.parts))
      for (const p of m.parts)
        if (isToolPart(p) && (p.state.status === "completed" || p.state.status === "error")) {
          tools++
          count.set(p.id, (count.get(p.id) ?? 0) + 1)
        }
  const w: Walk = { items: [], located: [], at: [], totalChars: 0, steps: [], seen: new Set() }
  let chars = 0
  let tool = 0
  for (let m = 0; m < messages.length; m++) {
    const msg = messages[m]
    const info = (msg?.info ?? {}) as InfoLike
    if (!msg || !Array.isArray(msg.parts)) continue
    const step: StepSeen | undefined =
      info.role === "assistant"
        ? {
            before: chars,
            out: 0,
            tokens: tokensOf(info),
            id: text(info.id),
          }
        : undefined
    for (let p = 0; p < msg.parts.length; p++) {
      const part = msg.parts[p] as { type?: unknown; text?: unknown } | undefined
      if (!part) continue
      if (part.type === "text" || part.type === "reasoning") {
        const n = typeof part.text === "string" ? part.text.length : 0
        chars += n
        if (step) step.out += n
        continue
      }
      if (!isToolPart(part)) continue
      const status = part.state.status
      if (status !== "completed" && status !== "error") continue
      const recent = tool++ >= tools - keepRecent
      const before = chars
      const inDecision = decisions.get(`${part.id}:i`)
      const outDecision = decisions.get(`${part.id}:o`)
      const input = part.state.input
      const inChars = inputChars(inDecision && input && typeof input === "object" ? replaceInput(input, inDecision)[0] : input)
      const body = part.state.time?.compacted ? CLEARED : status === "error" ? part.state.error : part.state.output
      const outChars = outDecision ? outDecision.text.length : typeof body === "string" ? body.length : 0
      chars += inChars + outChars
      if (step) step.out += inChars
      if (protectedTools.has(part.tool) || count.get(part.id)! > 1) continue
      // An id that does not survive a copy (a lone surrogate) could not be found again: left alone.
      if (detach(part.id) !== part.id) continue
      if (part.state.time?.compacted) {
        // OpenCode cleared the output (compaction.prune): nothing may point at it from now on, but
        // it still sends the arguments, so a decision on them keeps applying.
        w.seen.add(part.id)
        if (inDecision) w.located.push({ id: part.id, msg: m, part: p })
        continue
      }
      w.seen.add(part.id)
      let f = state.facts.get(part.id)
      // The same id on another call (another plugin's transform reusing ids): start afresh.
      if (f && typeof part.callID === "string" && f.callID !== part.callID) {
        forget(state, part.id)
        f = undefined
      }
      const known = f !== undefined
      // Parts seen before a restart are not new after it (OpenCode's part ids ascend).
      const fresh = !known && (state.restoredSeen === undefined || part.id > state.restoredSeen)
      if (state.newestSeen === undefined || part.id > state.newestSeen) state.newestSeen = detach(part.id)
      if (!known) {
        f = partFacts(part, dir) ?? null
        state.facts.set(detach(part.id), f)
        if (f) state.factBytes += factsBytes(f)
      }
      if (!f) continue
      w.items.push({ id: part.id, f: f as PartFacts, fresh, recent })
      w.located.push({ id: part.id, msg: m, part: p })
      w.at.push(before)
    }
    if (step) w.steps.push(step)
  }
  w.totalChars = chars
  return w
}

export type { Decision }
