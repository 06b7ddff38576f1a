/** Turns a chat completion request into a `RecordedRequest`: its texts, tools and kind (shared by both APIs). */
import type { ChatMessage, RecordedRequest, RequestKind } from "./types"

export function contentText(content: unknown): string {
  if (content == null) return ""
  if (typeof content === "string") return content
  if (Array.isArray(content)) {
    return content
      .map((p: any) => {
        if (typeof p === "string") return p
        if (p && typeof p.text === "string") return p.text
        return ""
      })
      .filter((s) => s.length > 0)
      .join("\n")
  }
  if (typeof content === "object" && typeof (content as any).text === "string") return (content as any).text
  return ""
}

function messageText(m: ChatMessage): string {
  const parts = [contentText(m.content)]
  for (const tc of m.tool_calls ?? []) parts.push(`${tc.function?.name ?? ""} ${tc.function?.arguments ?? ""}`)
  return parts.filter((s) => s.length > 0).join("\n")
}

const COMPACTION_MARKERS = [
  /^\s*here is the conversation so far/i,
  /provide a detailed (prompt|summary) for continuing our conversation/i,
  /summariz(e|ing) (the|our) conversation/i,
  /create a (detailed )?summary of (the|our) conversation/i,
]

const TITLE_MARKERS = [/you are a title generator/i, /generate a (short )?title/i, /title for (this|the) conversation/i]

/** The fields every API's analysis shares: what kind of request it is, whose session. */
export function classify(
  parts: Pick<RecordedRequest, "system" | "firstUserText" | "lastUserText" | "toolNames"> & { hasMessages: boolean },
  headers: Record<string, string>,
): Pick<RecordedRequest, "isTitle" | "isCompaction" | "kind" | "sessionID" | "sessionKey"> {
  const { system, firstUserText, lastUserText, toolNames } = parts
  const isTitle = toolNames.length === 0 && TITLE_MARKERS.some((re) => re.test(system) || re.test(firstUserText))
  const isCompaction = !isTitle && toolNames.length === 0 && COMPACTION_MARKERS.some((re) => re.test(lastUserText))
  const kind: RequestKind = isTitle ? "title" : isCompaction ? "compaction" : parts.hasMessages ? "agent" : "other"
  const sessionID = headers["x-session-id"] ?? headers["x-session-affinity"] ?? ""
  return { isTitle, isCompaction, kind, sessionID, sessionKey: sessionID || firstUserText }
}

export function analyzeRequest(
  index: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: any,
): RecordedRequest {
  const messages: ChatMessage[] = Array.isArray(body?.messages) ? body.messages : []
  const system = messages
    .filter((m) => m.role === "system" || m.role === "developer")
    .map((m) => contentText(m.content))
    .join("\n")
  const users = messages.filter((m) => m.role === "user")
  const firstUserText = users.length > 0 ? contentText(users[0]!.content) : ""
  const lastUserText = users.length > 0 ? contentText(users[users.length - 1]!.content) : ""
  const toolNames: string[] = Array.isArray(body?.tools)
    ? body.tools.map((t: any) => t?.function?.name ?? t?.name).filter((n: unknown): n is string => typeof n === "string")
    : []
  const toolResults = messages
    .filter((m) => m.role === "tool")
    .map((m) => ({ toolCallId: String(m.tool_call_id ?? ""), content: contentText(m.content) }))
  const priorToolCalls = messages.flatMap((m) =>
    (m.tool_calls ?? []).map((tc) => ({ id: tc.id, name: tc.function?.name ?? "", args: tc.function?.arguments ?? "" })),
  )
  return {
    api: "openai",
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
    allText: messages.map(messageText).join("\n"),
    toolNames,
    firstUserText,
    lastUserText,
    toolResults,
    priorToolCalls,
    ...classify({ system, firstUserText, lastUserText, toolNames, hasMessages: messages.length > 0 }, headers),
  }
}
