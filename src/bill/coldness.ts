/**
 * Is the provider's prompt cache cold for this request? Judged from the session's own
 * timestamps, as OpenCode stores them on the messages the transform is handed (never from
 * the plugin's clock, so replays and tests drive it):
 * - a new user message created longer than the cache's lifetime after the last answer
 *   completed (the person was away);
 * - within a turn, a step that took longer than the lifetime from its request to its end
 *   (a tool that ran for minutes): its prefix was last used when that step was sent.
 * A session with no answer yet has nothing cached.
 */
type Msg = { info?: unknown }

interface Times {
  role?: unknown
  time?: { created?: unknown; completed?: unknown }
}

const t = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : undefined)

export interface Coldness {
  cold: boolean
  /** ms since the cache was last used, when the timestamps say */
  gapMs: number | undefined
  why: "no-answer-yet" | "person-away" | "long-step" | "warm" | "unknown"
}

export function coldness(messages: readonly Msg[], ttlMs: number): Coldness {
  let lastUserCreated: number | undefined
  for (let i = messages.length - 1; i >= 0; i--) {
    const info = messages[i]?.info as Times | undefined
    if (!info) continue
    if (info.role === "user") {
      if (lastUserCreated === undefined) lastUserCreated = t(info.time?.created)
      continue
    }
    if (info.role !== "assistant") continue
    const created = t(info.time?.created)
    const completed = t(info.time?.completed)
    if (lastUserCreated !== undefined && completed !== undefined) {
      // A user message after this answer: a new turn.
      const gap = lastUserCreated - completed
      return gap > ttlMs ? { cold: true, gapMs: gap, why: "person-away" } : { cold: false, gapMs: Math.max(0, gap), why: "warm" }
    }
    if (created !== undefined && completed !== undefined) {
      const gap = completed - created
      return gap > ttlMs ? { cold: true, gapMs: gap, why: "long-step" } : { cold: false, gapMs: gap, why: "warm" }
    }
    return { cold: false, gapMs: undefined, why: "unknown" }
  }
  return { cold: true, gapMs: undefined, why: "no-answer-yet" }
}
