/**
 * Prompt-cache models for the scripted servers and the offline bench: pure, deterministic,
 * on an injected clock. A prompt is a list of `PromptBlock`s (content key, tokens, optional
 * breakpoint); `anthropicRequestBlocks` / `openaiRequestBlocks` build it from a request
 * body; `AnthropicPromptCache` / `OpenAIPromptCache` bill each request and remember it.
 *
 *   const cache = new AnthropicPromptCache({ now: clock.now })
 *   const { usage } = cache.request(anthropicRequestBlocks(body), body.model)
 */
export {
  AnthropicPromptCache,
  type AnthropicCacheOptions,
  type AnthropicCacheReport,
  type AnthropicUsage,
  PromptCacheRequestError,
} from "./anthropic"
export { anthropicBlockText, anthropicRequestBlocks, breakpointOf, IMAGE_TOKENS } from "./anthropic-body"
export { type CacheTtl, contentKey, type PromptBlock, prefixKeys, prefixTokens, TTL_MS } from "./blocks"
export { OpenAIPromptCache, type OpenAICacheOptions, type OpenAICacheReport, type OpenAIUsage } from "./openai"
export { openaiMessageText, openaiRequestBlocks } from "./openai-body"
export { estimateTokens } from "./tokens"
