import { DEFAULT_PRICES } from "../../bill/prices"
import { assumedShape } from "../../bill/moment"
import type { SessionEntry } from "../../cache/session-entry"
import { MAX_ID_LENGTH } from "../../events/parse"
import { entriesIn } from "../../status/scope"
import type { HookContext, LongrunHook } from "../types"
import { type Applied, applyDecisions, type OutgoingMessage } from "./apply"
import { type Decision, invalidRefs, plan, type StrategyOptions } from "./decide"
import { applyPruning, pruningRecord } from "./journal"
import { CacheLessons } from "./lessons"
import { type MomentOptions, pickMoment } from "./moments"
import { createRecallTool } from "./recall"
import { createPruneState, decisionBytes, type PruneState, pruneStateBytes, trimState } from "./state"
import { pruningStatus, type Timing } from "./status"
import { walk } from "./walk"

const NAME = "context-pruning"
/** Parts remembered per session before entries no longer sent are dropped. */
export const MAX_PARTS = 4_000

/**
 * Sends the model less without touching the stored session: through
 * experimental.chat.messages.transform, tool results are replaced by short placeholders
 * in the outgoing request only. The newest `pruning_keep_recent` tool results always go in
 * full. References to identical copies still sent in full are made as new parts arrive
 * (they change only the request's end). Lossy changes (older outputs, stale views, reruns,
 * superseded writes) wait for a moment the bill chooses: the provider's prompt cache is cold
 * anyway, or the change pays for itself; every decision is sticky, so between moments each
 * request's prefix is byte-identical. Every placeholder says how to get the content back.
 */
export function createContextPruningHook(ctx: HookContext): LongrunHook {
  const { options: opt, logger } = ctx
  const dir = safeDirectory(ctx)
  const keep = opt.pruning_keep_recent
  const strategies: StrategyOptions = {
    dedupe: opt.pruning_dedupe,
    repeatedErrors: opt.pruning_repeated_errors,
    supersededReads: opt.pruning_superseded_reads,
    supersededWrites: opt.pruning_superseded_writes,
    failedInputs: opt.pruning_failed_inputs,
    nearDuplicates: opt.pruning_near_duplicates,
    maskOld: opt.pruning_mask_old,
    keepRecent: keep,
  }
  const moments: MomentOptions = {
    mode: opt.pruning_moments,
    ttlMs: opt.prompt_cache_ttl_ms,
    horizonRequests: opt.pruning_horizon_requests,
    risk: opt.pruning_risk,
  }
  const protectedTools = new Set(opt.pruning_protected_tools)
  /** what each model's answers showed of its prompt cache */
  const lessons = new CacheLessons()
  const timing: Timing = { count: 0, totalMs: 0, maxMs: 0, lastMs: 0, failures: 0 }
  /** the newest transform times, for the median (a fixed 128 numbers) */
  const recent: number[] = []
  const stateOf = (entry: SessionEntry) =>
    entry.state<PruneState>(NAME, createPruneState, { release: (s) => trimState(s, new Set()), estimate: pruneStateBytes })

  const commit = (state: PruneState, key: string, d: Decision) => {
    const old = state.decisions.get(key)
    if (old) state.decisionBytes -= decisionBytes(key, old)
    state.decisions.set(key, d)
    state.decisionBytes += decisionBytes(key, d)
  }
  const undo = (state: PruneState, key: string) => {
    const old = state.decisions.get(key)
    if (!old) return
    state.decisions.delete(key)
    state.decisionBytes -= decisionBytes(key, old)
  }
  // After a restart the decisions come back before the first request, so it resends the history unchanged.
  const journal = ctx.journal.writer("pruning", (entry, saved) =>
    applyPruning(stateOf(entry), entry.pruning, saved, lessons, commit),
  )

  const run = (messages: OutgoingMessage[]) => {
    const sessionID = sessionOf(messages)
    if (!sessionID) return
    const entry = ctx.store.touch(sessionID)
    const state = stateOf(entry)
    const w = walk(messages, state, protectedTools, keep, dir)
    const model = modelOf(messages, entry)
    const modelKey = `${model.providerID ?? "?"}/${model.modelID ?? "?"}`
    let changed = false
    const last = state.lastMoment
    if (last && !last.learnt) {
      last.learnt = lessons.learn(last, w, modelKey, moments.ttlMs)
      changed ||= last.learnt
    }
    const planned = plan(w.items, state.decisions, strategies, dir)
    // A new reference to a part seen for the first time is not journaled: after a restart the part is new
    // again (past the journaled watermark) and the same reference is made again from the same decisions.
    if (planned.revoke.length > 0) changed = true
    for (const key of planned.revoke) undo(state, key)
    for (const [key, d] of planned.refs) commit(state, key, d)
    const prices = ctx.prices.peek(model.providerID, model.modelID) ?? DEFAULT_PRICES
    // What answers showed, else what the provider's kind says (see assumedShape).
    const picked = pickMoment(
      messages,
      w,
      planned.lossy,
      prices,
      lessons.shapeOf(modelKey, assumedShape(model.providerID, model.modelID)),
      { ...moments, ttlMs: lessons.ttlOf(modelKey, moments.ttlMs) },
      state.debt,
    )
    state.requests++
    // A moment's own request is priced in its extra cost already: its saving is not counted twice.
    let momentChars = 0
    if (picked) {
      changed = true
      let chars = 0
      for (const c of picked.chosen) {
        commit(state, c.key, c.decision)
        chars += c.saved
      }
      const first = picked.chosen[0]!
      // A reference to a copy this moment left out is undone; what it then sends is left out too
      // when it may be (it lies after the first change, so that costs nothing more).
      for (let round = 0; round < 3; round++) {
        const stale = invalidRefs(w.items, state.decisions)
        if (stale.length === 0) break
        for (const key of stale) undo(state, key)
        for (const c of plan(w.items, state.decisions, strategies, dir).lossy) {
          if (c.item < first.item || !stale.some((k) => k.startsWith(`${w.items[c.item]!.id}:`))) continue
          commit(state, c.key, c.decision)
          chars += c.saved
        }
      }
      momentChars = chars
      const newest = w.steps[w.steps.length - 1]
      state.moments++
      state.lastMoment = {
        request: state.requests,
        cold: picked.choice.cold,
        parts: picked.chosen.length,
        chars,
        extraDollars: picked.choice.extraDollars,
        netDollars: picked.choice.netDollars,
        afterAnswer: newest?.id,
        readBefore: newest?.tokens?.cacheRead,
        keptShare: w.totalChars > 0 ? w.at[first.item]! / w.totalChars : 0,
        totalTokens: w.totalChars / 4,
        gapMs: picked.coldness.gapMs,
        learnt: false,
      }
      entry.pruning.dollarsSaved -= picked.choice.extraDollars
      state.debt += Math.max(0, picked.choice.extraDollars)
      entry.pruning.moments = state.moments
      entry.pruning.lastMoment = { afterAnswer: newest?.id, cold: picked.choice.cold, request: state.requests }
      if (opt.pruning_toast_chars > 0 && chars >= opt.pruning_toast_chars) {
        logger.toast(
          `Left ${chars.toLocaleString("en-US")} characters of older tool output (${picked.chosen.length} parts) out of what the model is sent${picked.choice.cold ? " while the prompt cache was cold anyway" : ""}; the stored session is unchanged and longrun_recall brings any of it back.`,
          "info",
          "Context pruned",
        )
      }
    }
    const applied = applyDecisions(messages, w.located, state.decisions)
    publish(entry, state, applied, prices.cacheRead, momentChars)
    // Journaled when a decision changed that a restart could not make again (a moment, a revocation).
    if (changed) journal.changed(entry.id, () => pruningRecord(state, entry.pruning, modelKey, lessons))
    if (state.facts.size > MAX_PARTS) trimState(state, w.seen)
  }

  const publish = (entry: SessionEntry, state: PruneState, applied: Applied, readPrice: number, momentChars: number) => {
    const fact = entry.pruning
    fact.partsPruned = applied.parts
    fact.charsSaved = applied.chars
    fact.tokensSaved = Math.round(applied.chars / 4)
    fact.byStrategy = applied.byStrategy as Record<string, { parts: number; chars: number }>
    // Each token not sent is a token not read from the cache on this request; it pays back what moments cost.
    const saved = ((Math.max(0, applied.chars - momentChars) / 4) * readPrice) / 1e6
    fact.dollarsSaved += saved
    state.debt = Math.max(0, state.debt - saved)
    state.charsNotSent += applied.chars
  }

  const find = (sessionID: string, callID: string) => {
    const s = ctx.store.peek(sessionID)?.peekState<PruneState>(NAME)
    if (!s) return undefined
    for (const f of s.facts.values()) if (f && f.callID === callID) return f
    return undefined
  }

  return {
    name: NAME,
    handlers: {
      "experimental.chat.messages.transform": async (_input, output) => {
        const messages = output?.messages as OutgoingMessage[] | undefined
        if (!Array.isArray(messages) || messages.length === 0) return
        const original = messages.slice()
        const t0 = performance.now()
        try {
          run(messages)
        } catch (err) {
          // Never fail a request: send exactly what OpenCode gave us.
          messages.splice(0, messages.length, ...original)
          timing.failures++
          logger.hookError(NAME, "experimental.chat.messages.transform", err)
        }
        const ms = performance.now() - t0
        timing.count++
        timing.totalMs += ms
        timing.lastMs = ms
        if (ms > timing.maxMs) timing.maxMs = ms
        recent[(timing.count - 1) % 128] = ms
      },
    },
    tools: { longrun_recall: createRecallTool(ctx.client, find) },
    status: (scope) => pruningStatus(entriesIn(ctx.store, scope), NAME, timing, recent),
  }
}

function sessionOf(messages: OutgoingMessage[]): string | undefined {
  for (const m of messages) {
    const id = (m?.info as { sessionID?: unknown } | undefined)?.sessionID
    if (typeof id === "string" && id.length > 0 && id.length <= MAX_ID_LENGTH) return id
  }
  return undefined
}

/** The model the next request goes to: the newest user message says it (OpenCode sets it there). */
function modelOf(messages: OutgoingMessage[], entry: SessionEntry): { providerID?: string; modelID?: string } {
  for (let i = messages.length - 1; i >= 0; i--) {
    const info = messages[i]?.info as { role?: unknown; model?: { providerID?: unknown; modelID?: unknown } } | undefined
    if (info?.role !== "user") continue
    const p = info.model?.providerID
    const m = info.model?.modelID
    if (typeof p === "string" && typeof m === "string") return { providerID: p, modelID: m }
    break
  }
  return { providerID: entry.providerID, modelID: entry.modelID }
}

function safeDirectory(ctx: HookContext): string {
  const d = (ctx as { input?: { directory?: unknown } }).input?.directory
  return typeof d === "string" && d.length > 0 ? d : process.cwd()
}
