import type { ModelLimit } from "../../cache/model-limits"
import type { HostConfig } from "../types"

/** OpenCode's cap on output tokens per request when the model allows more. */
export const HOST_OUTPUT_TOKEN_MAX = 32_000

/**
 * The token count at which OpenCode 1.18.33 itself decides a session overflows and
 * compacts it (its isOverflow): limit.input minus a reserve when the model has an
 * input limit, otherwise the context limit minus the output it keeps free.
 */
export function hostOverflowPoint(limit: ModelLimit, host: HostConfig): number {
  const maxOutput = Math.min(limit.output ?? HOST_OUTPUT_TOKEN_MAX, HOST_OUTPUT_TOKEN_MAX)
  if (limit.input) {
    const reserved = host.compactionReserved ?? Math.min(20_000, maxOutput)
    return limit.input - reserved
  }
  return limit.context - maxOutput
}
