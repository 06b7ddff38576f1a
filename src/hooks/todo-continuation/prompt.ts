import type { TodoItem } from "../../cache/session-entry"

/** Every continuation prompt starts with this, so it can be told apart from user input. */
export const CONTINUATION_MARKER = "[longrun] Continue your todo list"

export function isOpen(t: TodoItem): boolean {
  return t.status !== "completed" && t.status !== "cancelled"
}

/** The open todos as one comparable string: unchanged signature = no progress. */
export function signature(todos: TodoItem[]): string {
  return todos
    .filter(isOpen)
    .map((t) => `${t.status}\u0000${t.content}`)
    .sort()
    .join("\u0001")
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
