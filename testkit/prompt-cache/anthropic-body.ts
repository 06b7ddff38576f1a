/** A parsed Anthropic Messages request body, as the blocks its prompt cache sees. */
import { type CacheTtl, contentKey, type PromptBlock } from "./blocks"
import { estimateTokens } from "./tokens"

/** Tokens counted for an image block: about what Anthropic bills a 1-megapixel image. */
export const IMAGE_TOKENS = 1600

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

/** "5m" or "1h" for a `cache_control` of type ephemeral; undefined when there is none. */
export function breakpointOf(block: unknown): CacheTtl | undefined {
  const cc = isObject(block) ? block.cache_control : undefined
  if (!isObject(cc)) return undefined
  return cc.ttl === "1h" ? "1h" : "5m"
}

function withoutCacheControl(block: unknown): unknown {
  if (!isObject(block) || !("cache_control" in block)) return block
  const { cache_control: _cc, ...rest } = block
  return rest
}

/** The text a block puts before the model, for its token count. */
export function anthropicBlockText(block: unknown): string {
  if (typeof block === "string") return block
  if (!isObject(block)) return ""
  switch (block.type) {
    case "text":
      return String(block.text ?? "")
    case "thinking":
      return String(block.thinking ?? "")
    case "redacted_thinking":
      return String(block.data ?? "")
    case "tool_use":
      return `${block.name ?? ""} ${JSON.stringify(block.input ?? {})}`
    case "tool_result": {
      const c = block.content
      if (typeof c === "string") return c
      return Array.isArray(c) ? c.map(anthropicBlockText).join("\n") : ""
    }
    default:
      return JSON.stringify(withoutCacheControl(block)) ?? ""
  }
}

function tokensOf(block: unknown): number {
  if (isObject(block) && (block.type === "image" || block.type === "document")) return IMAGE_TOKENS
  if (isObject(block) && block.type === "tool_result" && Array.isArray(block.content))
    return block.content.reduce((n: number, b: unknown) => n + tokensOf(b), 0)
  return estimateTokens(anthropicBlockText(block))
}

function hasImage(messages: unknown[]): boolean {
  return JSON.stringify(messages).includes('"type":"image"')
}

/**
 * Blocks in Anthropic's cache order: every tool, then the system blocks, then each
 * message's content blocks. A block's key is its JSON without `cache_control` (moving a
 * mark changes no content), with its role and whether it opens a message. Settings that
 * Anthropic says invalidate the message part of the cache (tool_choice, thinking, images
 * present) are folded into the first message block's key. A top-level `cache_control`
 * (automatic caching) marks the last block.
 */
export function anthropicRequestBlocks(body: unknown): PromptBlock[] {
  const b = isObject(body) ? body : {}
  const out: PromptBlock[] = []
  const tools = Array.isArray(b.tools) ? b.tools : []
  tools.forEach((t, i) => {
    const bare = withoutCacheControl(t)
    out.push(block(contentKey(["tool", bare]), estimateTokens(JSON.stringify(bare) ?? ""), breakpointOf(t), `tools[${i}]`))
  })
  if (typeof b.system === "string" && b.system.length > 0)
    out.push(block(contentKey(["system", b.system]), estimateTokens(b.system), undefined, "system"))
  else if (Array.isArray(b.system))
    b.system.forEach((s, i) => {
      out.push(block(contentKey(["system", withoutCacheControl(s)]), tokensOf(s), breakpointOf(s), `system[${i}]`))
    })
  const messages = Array.isArray(b.messages) ? b.messages : []
  const salt = { tool_choice: b.tool_choice ?? null, thinking: b.thinking ?? null, images: hasImage(messages) }
  let first = true
  messages.forEach((m, mi) => {
    const role = isObject(m) ? String(m.role ?? "") : ""
    const content = isObject(m) ? m.content : undefined
    const parts: unknown[] = typeof content === "string" ? [content] : Array.isArray(content) ? content : []
    parts.forEach((p, pi) => {
      const key = contentKey([role, pi === 0, withoutCacheControl(p), first ? salt : null])
      first = false
      const at = typeof content === "string" ? `messages[${mi}]` : `messages[${mi}].content[${pi}]`
      out.push(block(key, tokensOf(p), breakpointOf(p), at))
    })
  })
  if (isObject(b.cache_control) && out.length > 0 && !out.at(-1)!.breakpoint)
    out.at(-1)!.breakpoint = b.cache_control.ttl === "1h" ? "1h" : "5m"
  return out
}

function block(key: string, tokens: number, breakpoint: CacheTtl | undefined, at: string): PromptBlock {
  return breakpoint ? { key, tokens, breakpoint, at } : { key, tokens, at }
}
