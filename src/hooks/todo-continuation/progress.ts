import type { TodoItem } from "../../cache/session-entry"
import { isOpen } from "./prompt"

/**
 * Whether the todo list moved forward. Only monotonic signs count: more items
 * completed or cancelled than ever before, or fewer open items than ever before.
 * An item flipping between pending and in_progress, or reworded, is not progress.
 */
export interface ProgressMark {
  /** most items closed (completed or cancelled) seen since the last reset */
  closed: number
  /** fewest open items seen since the last reset */
  open: number
}

export function newMark(): ProgressMark {
  return { closed: -1, open: Number.POSITIVE_INFINITY }
}

export function measure(todos: TodoItem[]): { closed: number; open: number } {
  let open = 0
  for (const t of todos) if (isOpen(t)) open++
  return { closed: todos.length - open, open }
}

/** Records the list's state; true when it shows progress beyond the mark. */
export function advance(mark: ProgressMark, todos: TodoItem[]): boolean {
  const now = measure(todos)
  const progressed = now.closed > mark.closed || now.open < mark.open
  mark.closed = Math.max(mark.closed, now.closed)
  mark.open = Math.min(mark.open, now.open)
  return progressed
}
