import type { SessionEntry } from "../../cache/session-entry"
import { MAX_ID_LENGTH } from "../../events/parse"
import { detach, detachOpt } from "../../runtime/detach"
import { table } from "../../status/format"
import { entriesIn } from "../../status/scope"
import type { HookContext, LongrunHook } from "../types"
import { applyDecisions, type Applied, type Located, type OutgoingMessage } from "./apply"
import { plan, type Decision, type StrategyOptions, type WalkItem } from "./decide"
import { factsBytes, isToolPart, partFacts, type PartFacts } from "./part-facts"
import { createPruneState, type PruneState, pruneStateBytes, trimState } from "./state"

const NAME = "context-pruning"
const NONE: PartFacts | null = null

/**
 * Sends the model less without touching the stored session: through
 * experimental.chat.messages.transform, stale or repeated tool payloads are replaced by
 * short placeholders in the outgoing request only. Cache-aware: references to identical
 * copies are made as new parts arrive (they change only the request's end); stale older
 * copies are left out only at chosen moments (a user turn's start, or a large pending
 * amount), and every decision is sticky, so between moments the prefix is byte-identical.
 */
export function createContextPruningHook(ctx: HookContext): LongrunHook {
  const { options: opt, logger } = ctx
  const dir = safeDirectory(ctx)
  const strategies: StrategyOptions = {
    dedupe: opt.pruning_dedupe,
    supersededReads: opt.pruning_superseded_reads,
    supersededWrites: opt.pruning_superseded_writes,
    failedInputs: opt.pruning_failed_inputs,
    failedAfterTurns: opt.pruning_failed_after_turns,
    repeatedErrors: opt.pruning_repeated_errors,
    protectTurns: opt.pruning_protect_turns,
  }
  const protectedTools = new Set(opt.pruning_protected_tools)
  const timing = { count: 0, totalMs: 0, maxMs: 0, lastMs: 0, failures: 0 }
  /** the newest transform times, for the median (a fixed 128 numbers) */
  const recent: number[] = []
  const stateOf = (entry: SessionEntry) =>
    entry.state<PruneState>(NAME, createPruneState, { release: (s) => trimState(s, new Set()), estimate: pruneStateBytes })

  const run = (messages: OutgoingMessage[]) => {
    const sessionID = sessionOf(messages)
    if (!sessionID) return
    const entry = ctx.store.touch(sessionID)
    const state = stateOf(entry)
    const items: WalkItem[] = []
    const located: Located[] = []
    const seen = new Set<string>()
    let turn = 0
    let newestUser: string | undefined
    for (let m = 0; m < messages.length; m++) {
      const msg = messages[m]
      const info = msg?.info as { role?: unknown; id?: unknown } | undefined
      if (info?.role === "user") {
        turn++
        if (typeof info.id === "string") newestUser = info.id
      }
      if (info?.role !== "assistant" || !Array.isArray(msg!.parts)) continue
      const parts = msg!.parts
      for (let p = 0; p < parts.length; p++) {
        const part = parts[p]
        if (!isToolPart(part) || protectedTools.has(part.tool)) continue
        const status = part.state.status
        if (status !== "completed" && status !== "error") continue
        seen.add(part.id)
        let f = state.facts.get(part.id)
        const fresh = f === undefined
        if (fresh) {
          f = ownFacts(partFacts(part, dir)) ?? NONE
          // Kept across requests: copies, so no message object's strings stay pinned.
          state.facts.set(detach(part.id), f)
          if (f) state.factBytes += factsBytes(f)
        }
        if (!f) continue
        items.push({ id: part.id, f, turn, fresh })
        located.push({ id: part.id, msg: m, part: p })
      }
    }

    const planned = plan(items, state.decisions, turn, strategies, dir)
    for (const [key, d] of planned.refs) commit(state, key, d)
    const newTurn = newestUser !== undefined && newestUser !== state.lastUserID
    state.lastUserID = newestUser
    if (
      planned.pending.size > 0 &&
      ((newTurn && planned.pendingChars >= opt.pruning_turn_min_chars) || planned.pendingChars >= opt.pruning_threshold_chars)
    ) {
      for (const [key, d] of planned.pending) commit(state, key, { strategy: d.strategy, text: d.text })
      state.moments++
      state.lastMoment = { at: ctx.now(), parts: planned.pending.size, chars: planned.pendingChars }
      if (opt.pruning_toast_chars > 0 && planned.pendingChars >= opt.pruning_toast_chars) {
        logger.toast(
          `Left ${planned.pendingChars.toLocaleString("en-US")} characters of stale tool output (${planned.pending.size} parts) out of what the model is sent; the stored session is unchanged.`,
          "info",
          "Context pruned",
        )
      }
    }

    const applied = applyDecisions(messages, located, state.decisions)
    publish(entry, state, applied)
    if (state.facts.size > MAX_PARTS) trimState(state, seen)
  }

  const commit = (state: PruneState, key: string, d: Decision) => {
    state.decisions.set(key, d)
    state.decisionBytes += 64 + 2 * (key.length + d.text.length)
  }

  const publish = (entry: SessionEntry, state: PruneState, applied: Applied) => {
    const fact = entry.pruning
    fact.partsPruned = applied.parts
    fact.charsSaved = applied.chars
    fact.tokensSaved = Math.round(applied.chars / 4)
    fact.byStrategy = applied.byStrategy as Record<string, { parts: number; chars: number }>
    state.requests++
    state.charsNotSent += applied.chars
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
    status: (scope) => {
      const sessions = entriesIn(ctx.store, scope).flatMap((e) => {
        const s = e.peekState<PruneState>(NAME)
        if (!s || s.requests === 0) return []
        return [
          {
            id: e.id,
            requests: s.requests,
            moments: s.moments,
            charsNotSent: s.charsNotSent,
            tokensNotSent: Math.round(s.charsNotSent / 4),
            lastRequest: { ...e.pruning },
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
        `~${s.lastRequest.tokensSaved.toLocaleString("en-US")}`,
        `~${s.tokensNotSent.toLocaleString("en-US")}`,
        String(s.moments),
        Object.entries(s.lastRequest.byStrategy)
          .map(([k, v]) => `${k} ${v.parts}`)
          .join(", ") || "-",
      ])
      const text = `${
        rows.length
          ? table(
              ["session", "parts pruned", "tokens saved (last request)", "tokens not sent (session)", "prunes", "by strategy"],
              rows,
            )
          : "nothing pruned yet"
      }\ntransform: ${timing.count} requests, mean ${data.transform.meanMs.toFixed(3)} ms, median of the last ${sorted.length} ${medianMs.toFixed(3)} ms, max ${timing.maxMs.toFixed(3)} ms`
      return { title: "context pruning", data, text }
    },
  }
}

/** Parts remembered per session before entries no longer sent are dropped. */
export const MAX_PARTS = 4_000

function ownFacts(f: PartFacts | undefined | null): PartFacts | undefined {
  if (!f) return undefined
  return { ...f, tool: detach(f.tool, 200), callID: detach(f.callID, 256), path: detachOpt(f.path, 4096) }
}

function sessionOf(messages: OutgoingMessage[]): string | undefined {
  for (const m of messages) {
    const id = (m?.info as { sessionID?: unknown } | undefined)?.sessionID
    if (typeof id === "string" && id.length > 0 && id.length <= MAX_ID_LENGTH) return id
  }
  return undefined
}

function safeDirectory(ctx: HookContext): string {
  const d = (ctx as { input?: { directory?: unknown } }).input?.directory
  return typeof d === "string" && d.length > 0 ? d : process.cwd()
}
