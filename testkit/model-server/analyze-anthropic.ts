/** Turns an Anthropic Messages request into the same `RecordedRequest` the scripts read. */
import { anthropicBlockText } from "../prompt-cache"
import { classify } from "./analyze"
import type { ChatMessage, RecordedRequest } from "./types"

function blocksOf(content: unknown): any[] {
  if (typeof content === "string") return [{ type: "text", text: content }]
  return Array.isArray(content) ? content.filter((b) => typeof b === "object" && b !== null) : []
}

function textOf(content: unknown): string {
  return blocksOf(content)
    .filter((b) => b.type === "text")
    .map((b) => String(b.text ?? ""))
    .filter((s) => s.length > 0)
    .join("\n")
}

export function analyzeAnthropicRequest(
  index: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: any,
): RecordedRequest {
  const messages: ChatMessage[] = Array.isArray(body?.messages)
    ? body.messages.filter((m: unknown) => typeof m === "object" && m !== null)
    : []
  const system = typeof body?.system === "string" ? body.system : textOf(body?.system)
  // A user message that carries only tool results is the loop going on, not the person.
  const users = messages.filter((m) => m.role === "user" && textOf(m.content).length > 0)
  const firstUserText = users.length > 0 ? textOf(users[0]!.content) : ""
  const lastUserText = users.length > 0 ? textOf(users.at(-1)!.content) : ""
  const toolNames: string[] = Array.isArray(body?.tools)
    ? body.tools.map((t: any) => t?.name).filter((n: unknown): n is string => typeof n === "string")
    : []
  const all = messages.flatMap((m) => blocksOf(m.content))
  const toolResults = all
    .filter((b) => b.type === "tool_result")
    .map((b) => ({ toolCallId: String(b.tool_use_id ?? ""), content: anthropicBlockText(b) }))
  const priorToolCalls = all
    .filter((b) => b.type === "tool_use")
    .map((b) => ({ id: String(b.id ?? ""), name: String(b.name ?? ""), args: JSON.stringify(b.input ?? {}) }))
  return {
    api: "anthropic",
    index,
    time: Date.now(),
    method,
    path,
    headers,
    body,
    model: String(body?.model ?? ""),
    stream: body?.stream === true,
    messages,
    system,
    allText: all
      .map(anthropicBlockText)
      .filter((s) => s.length > 0)
      .join("\n"),
    toolNames,
    firstUserText,
    lastUserText,
    toolResults,
    priorToolCalls,
    ...classify({ system, firstUserText, lastUserText, toolNames, hasMessages: messages.length > 0 }, headers),
  }
}
