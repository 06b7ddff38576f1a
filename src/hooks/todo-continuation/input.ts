import type { EventOf } from "../../events/types"
import type { HostConfig } from "../types"

/** Longer than this is an instruction, not a go-ahead. */
const MAX_GO_AHEAD_CHARS = 80
/** Words around a go-ahead that change nothing: "ok, continue please". */
const FILLER = new Set([
  "ok",
  "okay",
  "yes",
  "yeah",
  "yep",
  "sure",
  "alright",
  "right",
  "fine",
  "good",
  "great",
  "please",
  "pls",
  "now",
  "then",
  "thanks",
  "thank",
  "you",
  "and",
  "so",
  "just",
])
const GO_AHEAD = new Set([
  "continue",
  "go on",
  "go ahead",
  "keep going",
  "carry on",
  "proceed",
  "resume",
  "next",
  "go",
  "do it",
  "keep working",
  "continue working",
  "continue the work",
  "continue with the todos",
  "continue with the todo list",
  "continue the todo list",
  "work through the todo list",
  "finish the todo list",
  "finish the list",
  "finish the todos",
  "finish",
  "lgtm",
])

/**
 * Whether a message the person wrote lets the todo list go on: one of the phrases
 * above, alone or with filler words ("ok", "yes", "please", "thanks"), any case and
 * punctuation; "ok" or "yes" alone counts too. Anything else (a question, a new
 * instruction, "Stop. Inspect the failing test first.") holds continuation until the
 * todo list changes or the person says go on. The README lists the same.
 */
export function isGoAhead(text: string): boolean {
  if (text.length > MAX_GO_AHEAD_CHARS) return false
  const words = text
    .toLowerCase()
    .replace(/[^a-z\s]/g, " ")
    .split(/\s+/)
    .filter(Boolean)
  if (words.length === 0) return false
  let start = 0
  let end = words.length
  while (start < end && FILLER.has(words[start]!)) start++
  while (end > start && FILLER.has(words[end - 1]!)) end--
  if (start === end)
    return words.some((w) => w === "ok" || w === "okay" || w === "yes" || w === "yeah" || w === "yep" || w === "sure")
  return GO_AHEAD.has(words.slice(start, end).join(" "))
}

/**
 * An error that a new prompt into the same session cannot fix, named for the person,
 * or undefined: a full context that OpenCode will not compact (compaction.auto is
 * off), a provider refusing the credentials, a model that does not exist.
 */
export function unfixableError(ev: EventOf<"session.error">, host: Pick<HostConfig, "autoCompaction">): string | undefined {
  const name = ev.errorName ?? ""
  const message = ev.errorMessage ?? ""
  if (name === "ContextOverflowError") return host.autoCompaction ? undefined : "the context is full and compaction.auto is off"
  if (name === "ProviderAuthError" || ev.errorStatus === 401 || ev.errorStatus === 403)
    return `the provider refused the credentials${message ? `: ${message.slice(0, 120)}` : ""}`
  if (/ModelNotFound/.test(name) || /\bModel not found\b/i.test(message)) return `the model was not found: ${firstLine(message)}`
  return undefined
}

function firstLine(s: string): string {
  return (s.split("\n")[0] ?? "").slice(0, 120)
}
