import type { SessionEntry } from "../../cache/session-entry"

/**
 * What the compaction summary must keep so the work goes on after it: the open
 * todos (verbatim), and the background tasks still running, whose notices would
 * otherwise arrive for tasks the agent no longer knows.
 */
export function summaryContext(entry: SessionEntry, includeTodos: boolean): string[] {
  const out: string[] = []
  const open = includeTodos ? (entry.todos ?? []).filter((t) => t.status !== "completed" && t.status !== "cancelled") : []
  if (open.length > 0) {
    out.push(
      `The agent's todo list still has ${open.length} open item(s); keep them in the summary verbatim so the work continues:\n` +
        open.map((t) => `- [${t.status}] ${t.content}`).join("\n"),
    )
  }
  const named = entry.background.tasks.filter((t) => t.status === "running" || t.status === "queued")
  const stillOpen = Math.max(entry.background.running, named.length)
  if (stillOpen > 0) {
    const more = stillOpen - named.length
    out.push(
      `${stillOpen} background task${stillOpen === 1 ? "" : "s"} started in this session ${stillOpen === 1 ? "is" : "are"} still ` +
        `${stillOpen === 1 ? "running" : "running or queued"}; keep their ids in the summary so none is started again. ` +
        "A notice arrives when each finishes, and background_output <id> shows its progress and result:\n" +
        named.map((t) => `- ${t.id}: ${t.description} (${t.status})`).join("\n") +
        (more > 0 ? `\n- and ${more} more, not named here: longrun_status lists every task with its id` : ""),
    )
  }
  return out
}
