import type { ModelLimit } from "../../cache/model-limits"
import type { HostConfig } from "../types"

/** OpenCode's cap on output tokens per request (OPENCODE_EXPERIMENTAL_OUTPUT_TOKEN_MAX overrides it). */
export const HOST_OUTPUT_TOKEN_MAX = 32_000

function outputTokenMax(): number {
  const env = Number(process.env.OPENCODE_EXPERIMENTAL_OUTPUT_TOKEN_MAX)
  return Number.isInteger(env) && env > 0 ? env : HOST_OUTPUT_TOKEN_MAX
}

/**
 * The token count at which OpenCode 1.18.33 itself decides, at the end of each step,
 * that a session overflows and compacts it. Read from the pinned binary: with
 * limit.input, input - (compaction.reserved ?? min(20000, maxOutput)); otherwise
 * context - maxOutput, where maxOutput = min(limit.output, 32000) || 32000.
 * Overflow is `count >= point`.
 */
export function hostOverflowPoint(limit: ModelLimit, host: Pick<HostConfig, "compactionReserved">): number {
  const cap = outputTokenMax()
  const maxOutput = Math.min(limit.output ?? cap, cap) || cap
  if (limit.input) {
    const reserved = host.compactionReserved ?? Math.min(20_000, maxOutput)
    return Math.max(0, limit.input - reserved)
  }
  return Math.max(0, limit.context - maxOutput)
}
