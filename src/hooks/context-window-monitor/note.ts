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
  const parts = [`${n(u.used)} of ${n(u.window)} tokens in use (${percent(u.ratio)} of the context window)`]
  if (compaction.thresholdTokens !== undefined) parts.push(`the plugin compacts at ${n(compaction.thresholdTokens)}`)
  if (compaction.hostOverflowTokens !== undefined) parts.push(`OpenCode compacts at ${n(compaction.hostOverflowTokens)}`)
  return `[opencode-longrun context note] ${parts.join("; ")}.`
}
