/**
 * Turns a trace into what OpenCode would hand the messages transform: for each model
 * request, the session's messages so far as `{ info, parts }` (user messages with text
 * parts; one assistant message per step with its text and its tool part), with ids and
 * times the way OpenCode 1.18.33 sets them. Two ways of running:
 * - autonomous: one person's message, then every step follows the last within seconds;
 * - interactive: every `every` requests the person writes again after `pauseMs` (past the
 *   provider's cache lifetime), as a person who comes back to the session would.
 */
import type { Trace } from "./trace"

export interface Message {
  info: Record<string, unknown> & { id: string; role: "user" | "assistant"; sessionID: string }
  parts: Array<Record<string, unknown>>
}

export type Mode = { kind: "autonomous" } | { kind: "interactive"; every: number; pauseMs: number }

export interface Step {
  /** the stored history this request is made from (never handed to the plugin itself) */
  history: Message[]
  /** the assistant message this request produces, added to history once answered */
  reply: Message
  outputTokens: number
  /** time of the request */
  at: number
}

export const T0 = 1_800_000_000_000
export const RESUME_TEXT = "Please go on with the task."

export interface Replayed {
  system: string
  sessionID: string
  steps: Step[]
  providerID: string
  modelID: string
}

/** Builds every request of the trace, in order; `history` grows as the session would. */
export function replaySteps(trace: Trace, mode: Mode, ids = { providerID: "replay", modelID: "replay-model" }): Replayed {
  const sessionID = `ses_replay_${trace.name.replace(/[^A-Za-z0-9]/g, "").slice(0, 40)}`
  let seq = 0
  const id = (prefix: string) => `${prefix}_${String(++seq).padStart(6, "0")}`
  const history: Message[] = []
  const steps: Step[] = []
  let t = T0
  let system = ""
  const user = (text: string, at: number): Message => {
    const mid = id("msg")
    return {
      info: { id: mid, sessionID, role: "user", time: { created: at }, agent: "build", model: { ...ids } },
      parts: [{ id: id("prt"), sessionID, messageID: mid, type: "text", text }],
    }
  }
  const lines = trace.lines
  let requests = 0
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line.role === "user") {
      if (line.system && history.length === 0 && system === "") system = line.text
      else {
        t += 500
        history.push(user(line.text, t))
      }
      continue
    }
    if (line.role !== "assistant") continue
    if (mode.kind === "interactive" && requests > 0 && requests % mode.every === 0) {
      t += mode.pauseMs
      history.push(user(RESUME_TEXT, t))
    }
    if (history.length === 0) {
      t += 500
      history.push(user("(no task text)", t))
    }
    requests++
    const next = lines[i + 1]
    const toolLine = line.tool && next?.role === "tool" ? next : undefined
    if (toolLine) i++
    const outputTokens = line.outputTokens ?? Math.ceil(line.text.length / 4)
    t += 200
    const created = t
    const generated = created + 1_000 + Math.min(60_000, outputTokens * 10)
    const mid = id("msg")
    const parts: Message["parts"] = []
    if (line.text) parts.push({ id: id("prt"), sessionID, messageID: mid, type: "text", text: line.text })
    let end = generated
    if (toolLine) {
      end = generated + 1_000
      parts.push({
        id: id("prt"),
        sessionID,
        messageID: mid,
        type: "tool",
        tool: line.tool,
        callID: `call_${seq}`,
        state: {
          status: "completed",
          input: line.args ?? {},
          output: toolLine.output,
          title: "",
          metadata: {},
          time: { start: generated, end },
        },
      })
    }
    const completed = end + 50
    const reply: Message = {
      info: {
        id: mid,
        sessionID,
        role: "assistant",
        parentID: lastUserID(history),
        mode: "build",
        agent: "build",
        providerID: ids.providerID,
        modelID: ids.modelID,
        cost: 0,
        tokens: { total: 0, input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
        time: { created, completed },
        finish: toolLine ? "tool-calls" : "stop",
      },
      parts,
    }
    steps.push({ history: history.slice(), reply, outputTokens, at: created })
    history.push(reply)
    t = completed
  }
  return { system, sessionID, steps, ...ids }
}

function lastUserID(history: Message[]): string | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (history[i]!.info.role === "user") return history[i]!.info.id
  return undefined
}
