import { renderSidebar } from "../sidebar/render"
import type { SidebarSnapshot } from "../sidebar/snapshot"
import { oneLine } from "../sidebar/text"

/** The details dialog's text: every line of the section, untruncated, and how to get more. */
export function detailsText(s: SidebarSnapshot | undefined, now: number): string {
  if (!s) return "No data from opencode-longrun for this session yet."
  const lines = renderSidebar(s, now, { cancelKey: "esc" })
    .slice(1)
    .map((l) => l.text)
  const tasks = s.background.tasks.map(
    (t) => `  ${t.status.padEnd(9)} ${oneLine(t.description)} (${t.toolCalls} steps, ${t.tokens} tokens)`,
  )
  return [
    ...lines,
    ...(tasks.length ? ["", "all background tasks of this session:", ...tasks] : []),
    "",
    "Full report: /longrun-status (shown in the session, not sent to the model).",
  ].join("\n")
}
