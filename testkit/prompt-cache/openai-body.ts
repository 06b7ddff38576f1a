/** A parsed OpenAI chat completions request body, as the blocks a prefix cache sees. */
import { contentKey, type PromptBlock } from "./blocks"
import { estimateTokens } from "./tokens"

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

/** Drops `cache_control` marks (OpenCode adds them for Claude-named models) at any depth. */
function unmarked(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unmarked)
  if (!isObject(v)) return v
  const out: Record<string, unknown> = {}
  for (const [k, x] of Object.entries(v)) if (k !== "cache_control") out[k] = unmarked(x)
  return out
}

/** The text a message puts before the model: its content, tool calls' names and arguments. */
export function openaiMessageText(message: unknown): string {
  if (!isObject(message)) return ""
  const c = message.content
  const parts: string[] = []
  if (typeof c === "string") parts.push(c)
  else if (Array.isArray(c))
    for (const p of c) parts.push(typeof p === "string" ? p : isObject(p) && typeof p.text === "string" ? p.text : "")
  for (const tc of Array.isArray(message.tool_calls) ? message.tool_calls : [])
    parts.push(`${tc?.function?.name ?? ""} ${tc?.function?.arguments ?? ""}`)
  const reasoning = message.reasoning_content ?? message.reasoning
  if (typeof reasoning === "string") parts.push(reasoning)
  return parts.filter((s) => s.length > 0).join("\n")
}

/**
 * Blocks in prompt order: every tool (their JSON), then one block per message (its JSON
 * without cache_control marks; tokens from its text). The OpenAI cache ignores breakpoints.
 */
export function openaiRequestBlocks(body: unknown): PromptBlock[] {
  const b = isObject(body) ? body : {}
  const out: PromptBlock[] = []
  const tools = Array.isArray(b.tools) ? b.tools : []
  tools.forEach((t, i) => {
    const json = JSON.stringify(unmarked(t)) ?? ""
    out.push({ key: contentKey(["tool", json]), tokens: estimateTokens(json), at: `tools[${i}]` })
  })
  const messages = Array.isArray(b.messages) ? b.messages : []
  messages.forEach((m, i) => {
    out.push({ key: contentKey(["message", unmarked(m)]), tokens: estimateTokens(openaiMessageText(m)), at: `messages[${i}]` })
  })
  return out
}
