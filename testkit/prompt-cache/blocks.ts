/** The unit both cache models work on: a prompt as a sequence of blocks in cache order. */
import { createHash } from "node:crypto"

/** Anthropic's two cache lifetimes. */
export type CacheTtl = "5m" | "1h"

export const TTL_MS: Record<CacheTtl, number> = { "5m": 5 * 60_000, "1h": 60 * 60_000 }

export interface PromptBlock {
  /** Content key: two blocks with the same key are the same bytes in the same place (see contentKey). */
  key: string
  /** Tokens of the block (estimateTokens of its text). */
  tokens: number
  /** A `cache_control` breakpoint on this block, with its TTL. The OpenAI model ignores it. */
  breakpoint?: CacheTtl
  /** Where the block came from, for reports: "tools[2]", "system[0]", "messages[3].content[1]". */
  at?: string
}

/** A short stable hash of any JSON value, as serialized (key order counts, as bytes do). */
export function contentKey(value: unknown): string {
  return createHash("sha256")
    .update(JSON.stringify(value) ?? "undefined")
    .digest("base64url")
    .slice(0, 22)
}

/**
 * The key of each prefix: `prefix[i]` names blocks 0..i together (a chained hash), so an
 * entry for a prefix is found only when every block before it is unchanged. `scope`
 * separates caches that never share (another model).
 */
export function prefixKeys(blocks: readonly PromptBlock[], scope = ""): string[] {
  const out: string[] = []
  let prev = `scope:${scope}`
  for (const b of blocks) {
    prev = createHash("sha256").update(prev).update("\u0000").update(b.key).digest("base64url").slice(0, 22)
    out.push(prev)
  }
  return out
}

/** Cumulative tokens: `ends[i]` is the tokens of blocks 0..i. */
export function prefixTokens(blocks: readonly PromptBlock[]): number[] {
  const out: number[] = []
  let sum = 0
  for (const b of blocks) {
    sum += Math.max(0, b.tokens)
    out.push(sum)
  }
  return out
}
