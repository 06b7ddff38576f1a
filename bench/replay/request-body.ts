/**
 * What OpenCode 1.18.33 sends a provider for a list of `{ info, parts }` messages, close
 * enough for its prompt cache: a user message's text parts; an assistant step's text and
 * tool calls, then the tool results as the next (user) message; for Anthropic, the
 * `cache_control` marks OpenCode places (the system block and the last block of the last
 * two messages: see ../../../shared/OPENCODE-FACTS.md, "The prompt cache and the bill").
 * Tools and OpenCode's own system prompt are left out: the same for every configuration.
 */

type Part = Record<string, any>
type Msg = { info: Record<string, any>; parts: Part[] }

const CLEARED = "[Old tool result content cleared]"

function toolResult(p: Part): string {
  const s = p.state ?? {}
  if (s.time?.compacted) return CLEARED
  if (s.status === "error") return String(s.error ?? "")
  return String(s.output ?? "")
}

interface Neutral {
  role: "user" | "assistant"
  blocks: Array<
    | { type: "text"; text: string }
    | { type: "tool_use"; id: string; name: string; input: unknown }
    | { type: "tool_result"; tool_use_id: string; content: string }
  >
}

/** The provider-neutral conversation: what both bodies are built from. */
export function neutralMessages(messages: Msg[]): Neutral[] {
  const out: Neutral[] = []
  const push = (m: Neutral) => {
    if (m.blocks.length === 0) return
    const last = out[out.length - 1]
    // The SDK merges consecutive same-role messages (tool results, then a user's text).
    if (last && last.role === m.role) last.blocks.push(...m.blocks)
    else out.push(m)
  }
  for (const m of messages) {
    const parts = Array.isArray(m.parts) ? m.parts : []
    if (m.info?.role === "user") {
      push({
        role: "user",
        blocks: parts.filter((p) => p?.type === "text" && p.text).map((p) => ({ type: "text", text: String(p.text) })),
      })
      continue
    }
    const blocks: Neutral["blocks"] = []
    const results: Neutral["blocks"] = []
    for (const p of parts) {
      if (p?.type === "text" && p.text) blocks.push({ type: "text", text: String(p.text) })
      if (p?.type === "tool" && (p.state?.status === "completed" || p.state?.status === "error")) {
        const id = String(p.callID ?? p.id)
        blocks.push({ type: "tool_use", id, name: String(p.tool), input: p.state?.input ?? {} })
        results.push({ type: "tool_result", tool_use_id: id, content: toolResult(p) })
      }
    }
    push({ role: "assistant", blocks })
    push({ role: "user", blocks: results })
  }
  return out
}

/** An Anthropic Messages body with OpenCode's cache marks. */
export function anthropicBody(system: string, messages: Msg[], model: string) {
  const neutral = neutralMessages(messages)
  const mark = { type: "ephemeral" }
  const out = neutral.map((m) => ({ role: m.role, content: m.blocks.map((b) => ({ ...b })) as Record<string, unknown>[] }))
  for (const m of out.slice(-2)) {
    const last = m.content[m.content.length - 1]
    if (last) last.cache_control = mark
  }
  return {
    model,
    max_tokens: 4096,
    system: system ? [{ type: "text", text: system, cache_control: mark }] : [],
    messages: out,
  }
}

/** An OpenAI chat body: system, user, assistant (with tool_calls) and tool messages. */
export function openaiBody(system: string, messages: Msg[], model: string) {
  const out: Record<string, unknown>[] = []
  if (system) out.push({ role: "system", content: system })
  for (const m of neutralMessages(messages)) {
    if (m.role === "assistant") {
      const text = m.blocks.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n")
      const calls = m.blocks.flatMap((b) =>
        b.type === "tool_use"
          ? [{ id: b.id, type: "function", function: { name: b.name, arguments: JSON.stringify(b.input) } }]
          : [],
      )
      out.push({ role: "assistant", content: text, ...(calls.length ? { tool_calls: calls } : {}) })
      continue
    }
    for (const b of m.blocks) {
      if (b.type === "tool_result") out.push({ role: "tool", tool_call_id: b.tool_use_id, content: b.content })
      else if (b.type === "text") out.push({ role: "user", content: b.text })
    }
  }
  return { model, messages: out }
}

/** Characters of every message's content: what "characters sent" counts. */
export function sentChars(messages: Msg[]): number {
  let n = 0
  for (const m of neutralMessages(messages))
    for (const b of m.blocks)
      n += b.type === "text" ? b.text.length : b.type === "tool_result" ? b.content.length : JSON.stringify(b.input).length
  return n
}
