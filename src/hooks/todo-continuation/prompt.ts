import type { TodoItem } from "../../cache/session-entry"
import { OWN_TEXT_PREFIX } from "../../events/own-text"

/** Every continuation prompt starts with this, so it can be told apart from user input. */
export const CONTINUATION_MARKER = `${OWN_TEXT_PREFIX}Continue your todo list`

export function isOpen(t: TodoItem): boolean {
  return t.status !== "completed" && t.status !== "cancelled"
}

/** The whole list as one comparable string: a different signature means the list changed. */
export function signature(todos: TodoItem[] | undefined): string {
  return (todos ?? []).map((t) => `${t.status}\u0000${t.content}`).join("\u0001")
}

export function continuationPrompt(todos: TodoItem[]): string {
  const open = todos.filter(isOpen)
  const done = todos.filter((t) => t.status === "completed").length
  return [
    `${CONTINUATION_MARKER}: ${done} of ${todos.length} done, ${open.length} left.`,
    "Remaining:",
    ...open.map((t) => `- [${t.status}] ${t.content}`),
    "",
    "Carry on with the next item now. Mark each item completed with todowrite as you finish it. " +
      "If something blocks you, say what it is and stop.",
  ].join("\n")
}
