/**
 * Reads a session in the neutral trace format (one JSON object per line: role, text,
 * tool, args, output, usage; see the README's "Replaying real sessions"). Parsed
 * defensively: a line that is not an object, or has no known role, is skipped and counted.
 */
import { readFileSync } from "node:fs"

export interface TraceLine {
  role: "user" | "assistant" | "tool"
  system: boolean
  text: string
  tool: string | undefined
  args: Record<string, unknown> | undefined
  output: string
  /** completion tokens the trace recorded for an assistant line, when it did */
  outputTokens: number | undefined
}

export interface Trace {
  name: string
  lines: TraceLine[]
  skipped: number
}

const str = (v: unknown): string => (typeof v === "string" ? v : "")

export function parseTrace(name: string, text: string): Trace {
  const lines: TraceLine[] = []
  let skipped = 0
  for (const raw of text.split("\n")) {
    if (raw.trim() === "") continue
    let o: unknown
    try {
      o = JSON.parse(raw)
    } catch {
      skipped++
      continue
    }
    if (!o || typeof o !== "object" || Array.isArray(o)) {
      skipped++
      continue
    }
    const r = o as Record<string, unknown>
    const role = r.role
    if (role !== "user" && role !== "assistant" && role !== "tool") {
      skipped++
      continue
    }
    const args = r.args && typeof r.args === "object" && !Array.isArray(r.args) ? (r.args as Record<string, unknown>) : undefined
    const usage = r.usage && typeof r.usage === "object" ? (r.usage as Record<string, unknown>) : undefined
    const completion = usage?.completion_tokens
    lines.push({
      role,
      system: r.system === true,
      text: str(r.text),
      tool: typeof r.tool === "string" && r.tool.length > 0 ? r.tool : undefined,
      args,
      output: str(r.output),
      outputTokens: typeof completion === "number" && Number.isFinite(completion) && completion >= 0 ? completion : undefined,
    })
  }
  return { name, lines, skipped }
}

export function readTrace(path: string, name: string): Trace {
  return parseTrace(name, readFileSync(path, "utf8"))
}
