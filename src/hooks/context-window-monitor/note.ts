import type { ContextUsage } from "../../cache/context-usage"
import type { CompactionFact } from "../../cache/facts"
import { percent } from "../../status/format"

const n = (x: number) => x.toLocaleString("en-US")

/**
 * The note appended to the agent's next tool result when a threshold is crossed.
 * Plain data, labelled as coming from the plugin, with no instructions: models tuned
 * against prompt injection flag appended directives, and the agent needs only facts.
 */
export function contextNote(u: ContextUsage, compaction: CompactionFact): string {
  // Never over 100 %: models read such text as an injected alarm. Past the window, the limit is off.
  const parts = [`${n(Math.min(u.held, u.window))} of ${n(u.window)} tokens in use (${percent(u.fill)} of the context window)`]
  if (u.used !== u.held && (compaction.thresholdTokens !== undefined || compaction.hostOverflowTokens !== undefined))
    parts.push(`${n(u.used)} with the last reply, as OpenCode counts for compaction`)
  if (compaction.thresholdTokens !== undefined) parts.push(`the plugin compacts at ${n(compaction.thresholdTokens)}`)
  if (compaction.hostOverflowTokens !== undefined) parts.push(`OpenCode compacts at ${n(compaction.hostOverflowTokens)}`)
  return `[opencode-longrun context note] ${parts.join("; ")}.`
}
