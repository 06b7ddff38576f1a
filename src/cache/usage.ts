import type { TokenCounts } from "./message-log"

/**
 * Context in use for a finished assistant step, counted the way OpenCode 1.18.33
 * counts it for its own overflow decision (tokens.total when set, else input +
 * output + cache read + cache write), so our thresholds mean the same thing.
 */
export function contextTokens(t: TokenCounts): number {
  return t.total || t.input + t.output + t.cacheRead + t.cacheWrite
}
