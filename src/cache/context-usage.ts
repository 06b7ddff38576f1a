import type { ModelLimit, ModelLimits } from "./model-limits"
import type { SessionEntry } from "./session-entry"

export interface ContextUsage {
  /** tokens in use, counted as OpenCode counts them for its overflow check (output included) */
  used: number
  /**
   * tokens the window holds: against limit.input, the last request's input (fresh and
   * cached; the reply's output tokens are not input), else `used`
   */
  held: number
  /** held / window, clamped to 0..1: the share of the window in use as people and agents read it */
  fill: number
  /** the window the ratio is taken against: limit.input when the model has one, else limit.context */
  window: number
  ratio: number
  limit: ModelLimit
  epoch: number
}

/**
 * How full a session's context is: the one source of truth shared by the monitor and
 * preemptive compaction. Undefined when usage or the model's limit is not known yet.
 */
export function contextUsage(entry: SessionEntry, limits: ModelLimits): ContextUsage | undefined {
  const usage = entry.usage
  if (!usage) return undefined
  const providerID = usage.providerID ?? entry.providerID
  const modelID = usage.modelID ?? entry.modelID
  if (!providerID || !modelID) return undefined
  const limit = limits.peek(providerID, modelID)
  if (!limit) return undefined
  const window = limit.input ?? limit.context
  const t = usage.tokens
  const held = limit.input ? t.input + t.cacheRead + t.cacheWrite : usage.total
  const fill = Math.min(1, Math.max(0, held / window))
  return { used: usage.total, held, fill, window, ratio: usage.total / window, limit, epoch: entry.epoch }
}
