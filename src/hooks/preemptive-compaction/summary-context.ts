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
  const running = entry.background.tasks.filter((t) => t.status === "running" || t.status === "queued")
  if (running.length > 0) {
    out.push(
      `Background tasks started in this session are still ${running.length === 1 ? "running" : "running or queued"}; ` +
        "keep their ids in the summary. A notice arrives when each finishes, and background_output <id> shows its " +
        `progress and result:\n${running.map((t) => `- ${t.id}: ${t.description} (${t.status})`).join("\n")}`,
    )
  }
  return out
}
