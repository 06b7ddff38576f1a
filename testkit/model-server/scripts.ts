/** Scripts: how a test says what the model answers to each request. */
import type { AutoReplies, RecordedRequest, Reply, Script } from "./types"

export const DEFAULT_TITLE_REPLY: Reply = { text: "E2E scripted session", usage: { prompt_tokens: 50, completion_tokens: 5 } }
export const DEFAULT_COMPACTION_REPLY: Reply = {
  text: "## Summary\nThe user asked for work in an e2e test; the assistant did it. Continue where we left off.",
  usage: { prompt_tokens: 200, completion_tokens: 30 },
}
export const DEFAULT_FALLBACK_REPLY: Reply = { text: "Done." }

/**
 * Answers the N-th call with `replies[N]`, then `fallback` (default: the text "Done.").
 * The counter is the sequence's own, so it counts only the requests routed to it.
 */
export function sequence(replies: Reply[], fallback: Reply = DEFAULT_FALLBACK_REPLY): Script {
  let n = 0
  return () => {
    const r = replies[n] ?? fallback
    n++
    return r
  }
}

/** The same reply every time. */
export function always(reply: Reply): Script {
  return () => reply
}

export type RouteMatch = string | RegExp | ((req: RecordedRequest) => boolean)

/**
 * Routes each request to the first script whose matcher fits. A string matches when the
 * first user message contains it; a RegExp is tested against the first user message.
 * Background child sessions start with their own first user message (the task prompt),
 * so this scripts them separately from the parent.
 */
export function bySession(routes: [RouteMatch, Script][], fallback: Script = always(DEFAULT_FALLBACK_REPLY)): Script {
  return (req, ctx) => {
    for (const [match, script] of routes) {
      const ok =
        typeof match === "string"
          ? req.firstUserText.includes(match)
          : match instanceof RegExp
            ? match.test(req.firstUserText)
            : match(req)
      if (ok) return script(req, ctx)
    }
    return fallback(req, ctx)
  }
}

/** Wraps a script so title and compaction requests get automatic replies. */
export function withAutoReplies(script: Script, auto: AutoReplies = {}): Script {
  const title = auto.title === undefined ? DEFAULT_TITLE_REPLY : auto.title
  const compaction = auto.compaction === undefined ? DEFAULT_COMPACTION_REPLY : auto.compaction
  return (req, ctx) => {
    if (req.isTitle && title) return title
    if (req.isCompaction && compaction) return compaction
    return script(req, ctx)
  }
}
