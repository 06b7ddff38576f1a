/** The one token estimate the testkit's servers, cache models and bench share. */

/**
 * Tokens of a text: `Math.ceil(chars / 4)` (0 for ""). A deliberate constant, not a tokenizer:
 * every figure in the tests and the bench is relative to the same rule, so a bill and its
 * counterfactual compare fairly. Real code-heavy traffic runs nearer 3.2 chars per token
 * (../shared/traces: 3.23), so absolute token counts here read about a fifth low.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4)
}
