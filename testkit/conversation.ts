/**
 * Builds outgoing message lists in the shape OpenCode 1.18.33 passes to
 * experimental.chat.messages.transform (see test/fixtures/pruning/transform-messages.json):
 * `{ info, parts }` with tool parts carrying `state.{status,input,output|error}`.
 * `request()` returns a deep copy each time, as OpenCode builds each request afresh.
 */
export const DIR = "/tmp/project"

export function readOutput(path: string, content: string): string {
  const lines = content.endsWith("\n") ? content.slice(0, -1).split("\n") : content.split("\n")
  const body = lines.map((l, i) => `${i + 1}: ${l}`).join("\n")
  return `<path>${path}</path>\n<type>file</type>\n<content>\n${body}\n\n(End of file - total ${lines.length} lines)\n</content>`
}

export class Conversation {
  readonly messages: Array<{ info: Record<string, unknown>; parts: Array<Record<string, unknown>> }> = []
  private n = 0
  /** the session's own clock: each message is a second after the last; pause() skips ahead */
  at = 1_800_000_000_000
  constructor(
    readonly sessionID = "ses_test",
    readonly model = { providerID: "scripted", modelID: "scripted-model" },
  ) {}

  /** The person is away this long before the next message. */
  pause(ms: number): this {
    this.at += ms
    return this
  }

  private userInfo(id: string) {
    this.at += 1000
    return { id, sessionID: this.sessionID, role: "user", agent: "build", model: { ...this.model }, time: { created: this.at } }
  }

  private assistantInfo(id: string, extra: Record<string, unknown> = {}) {
    this.at += 1000
    const created = this.at
    this.at += 1000
    const completed = this.at
    return {
      id,
      sessionID: this.sessionID,
      role: "assistant",
      agent: "build",
      ...this.model,
      time: { created, completed },
      ...extra,
    }
  }

  private id(prefix: string): string {
    return `${prefix}_${String(++this.n).padStart(6, "0")}`
  }

  user(text: string): this {
    const id = this.id("msg")
    this.messages.push({
      info: this.userInfo(id),
      parts: [{ type: "text", text, id: this.id("prt"), sessionID: this.sessionID, messageID: id }],
    })
    return this
  }

  text(text: string): this {
    const id = this.id("msg")
    this.messages.push({
      info: this.assistantInfo(id),
      parts: [{ type: "text", text, id: this.id("prt"), sessionID: this.sessionID, messageID: id }],
    })
    return this
  }

  /** One assistant message with one tool call; returns the part id. */
  tool(tool: string, input: Record<string, unknown>, result: { output: string } | { error: string }): string {
    const id = this.id("msg")
    const partID = this.id("prt")
    const callID = `call_${this.n}`
    const state =
      "output" in result
        ? { status: "completed", input, output: result.output, title: "", metadata: {}, time: { start: 1, end: 2 } }
        : { status: "error", input, error: result.error, time: { start: 1, end: 2 } }
    this.messages.push({
      info: this.assistantInfo(id, { parentID: "x" }),
      parts: [
        { type: "step-start", id: this.id("prt"), sessionID: this.sessionID, messageID: id },
        { type: "tool", tool, callID, state, id: partID, sessionID: this.sessionID, messageID: id },
        { type: "step-finish", reason: "tool-calls", id: this.id("prt"), sessionID: this.sessionID, messageID: id },
      ],
    })
    return partID
  }

  /** The usage the provider reported for the newest answer, as OpenCode stores it. */
  usage(t: { input?: number; output?: number; read?: number; write?: number }): this {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const info = this.messages[i]!.info
      if (info.role !== "assistant") continue
      info.tokens = {
        input: t.input ?? 0,
        output: t.output ?? 0,
        reasoning: 0,
        cache: { read: t.read ?? 0, write: t.write ?? 0 },
      }
      break
    }
    return this
  }

  read(file: string, content: string): string {
    return this.tool("read", { filePath: `${DIR}/${file}` }, { output: readOutput(`${DIR}/${file}`, content) })
  }

  write(file: string, content: string): string {
    return this.tool("write", { filePath: `${DIR}/${file}`, content }, { output: "Wrote file successfully." })
  }

  bash(command: string, output: string): string {
    return this.tool("bash", { command, description: command }, { output })
  }

  request(): Array<{ info: unknown; parts: unknown[] }> {
    return structuredClone(this.messages)
  }
}

/** Total characters of every string in the messages (what a request would carry, roughly). */
export function charsOf(value: unknown): number {
  if (typeof value === "string") return value.length
  if (Array.isArray(value)) return value.reduce((s: number, v) => s + charsOf(v), 0)
  if (value && typeof value === "object") return Object.values(value).reduce((s: number, v) => s + charsOf(v), 0)
  return 0
}

/** Finds a tool part by id in an outgoing list. */
export function partOf(messages: Array<{ parts: unknown[] }>, id: string): any {
  for (const m of messages) for (const p of m.parts) if ((p as { id?: string }).id === id) return p
  return undefined
}
