import { isAbsolute, resolve } from "node:path"
import { detachOpt } from "../../runtime/detach"

/**
 * What the pruner remembers about one tool part: ids, sizes and hashes, never bodies.
 * Computed once per part id (a finished tool part does not change) and cached.
 */
export interface PartFacts {
  tool: string
  callID: string
  /** "read": a read that returned the whole file; "read-part": a range or a truncated read */
  kind: "read" | "read-part" | "write" | "error" | "other"
  /** absolute file path for read and write kinds */
  path: string | undefined
  /** hash of the file content (read, write), of tool+args+output (other), of the error text (error) */
  hash: string
  /** characters of the output (for errors: of the error text) */
  chars: number
  /** characters of the arguments pruning could leave out (a write's content, a failed call's strings) */
  inputChars: number
  /** where the large-payload guard saved the full output, if it did */
  savedPath: string | undefined
}

/** A tool part as OpenCode sends it to the transform (fields we use; parsed defensively). */
export interface ToolPartLike {
  id: string
  type: "tool"
  tool: string
  callID?: string
  state: { status: string; input?: Record<string, unknown>; output?: unknown; error?: unknown; time?: { compacted?: number } }
}

const EDIT_TOOLS = new Set(["edit", "multiedit", "patch", "apply_patch"])

export function hashText(s: string): string {
  // Bun.hash (wyhash) is fast enough to hash each new output once; length makes collisions rarer still.
  const h = typeof Bun !== "undefined" ? Bun.hash(s).toString(36) : fnv(s)
  return `${s.length.toString(36)}.${h}`
}

function fnv(s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(36)
}

export function isToolPart(p: unknown): p is ToolPartLike {
  const q = p as ToolPartLike | null
  return (
    !!q && q.type === "tool" && typeof q.id === "string" && typeof q.tool === "string" && !!q.state && typeof q.state === "object"
  )
}

/**
 * The numbered file body OpenCode's read tool returned ("1: first line\n2: ..."), or
 * undefined unless the read returned the whole file. Hashed as is: cheap for reads, the
 * common case; a write's content is put in the same form to be compared with it.
 */
export function readBody(output: string): string | undefined {
  const start = output.indexOf("<content>\n")
  const end = output.lastIndexOf("\n\n(End of file")
  if (start < 0 || end < start) return undefined
  return output.slice(start + "<content>\n".length, end)
}

/** A written content in the form the read tool returns it. */
export function numbered(content: string): string {
  // A trailing newline is not a line of its own in a read.
  const text = content.endsWith("\n") ? content.slice(0, -1) : content
  if (text.length === 0) return ""
  return text
    .split("\n")
    .map((l, i) => `${i + 1}: ${l}`)
    .join("\n")
}

function filePath(input: Record<string, unknown> | undefined, dir: string): string | undefined {
  const p = input?.filePath ?? input?.path
  if (typeof p !== "string" || p.length === 0) return undefined
  return isAbsolute(p) ? resolve(p) : resolve(dir, p)
}

const SAVED = /The full output is saved in (\S+?);/

/** Facts for a finished tool part, or undefined for parts the pruner leaves alone. */
export function partFacts(part: ToolPartLike, dir: string): PartFacts | undefined {
  const { state, tool } = part
  const callID = typeof part.callID === "string" ? part.callID : part.id
  const input = state.input && typeof state.input === "object" ? state.input : undefined
  if (state.time?.compacted) return undefined // OpenCode already cleared it
  if (state.status === "error") {
    const err = typeof state.error === "string" ? state.error : ""
    let argChars = 0
    for (const v of Object.values(input ?? {})) if (typeof v === "string") argChars += v.length
    return {
      tool,
      callID,
      kind: "error",
      path: undefined,
      hash: hashText(err),
      chars: err.length,
      inputChars: argChars,
      savedPath: undefined,
    }
  }
  if (state.status !== "completed" || typeof state.output !== "string") return undefined
  const output = state.output
  // A regex capture shares the whole output's memory: copy it.
  const savedPath = detachOpt(SAVED.exec(output)?.[1], 4096)
  if (tool === "read") {
    const path = filePath(input, dir)
    const content = readBody(output)
    const ranged = input?.offset !== undefined || input?.limit !== undefined
    if (path && content !== undefined && !ranged && !savedPath)
      return { tool, callID, kind: "read", path, hash: hashText(content), chars: output.length, inputChars: 0, savedPath }
    // Ranged or truncated: a unique hash, so it is never taken for the file's whole content.
    return { tool, callID, kind: "read-part", path, hash: `part.${part.id}`, chars: output.length, inputChars: 0, savedPath }
  }
  if (tool === "write" && typeof input?.content === "string") {
    const path = filePath(input, dir)
    if (path)
      return {
        tool,
        callID,
        kind: "write",
        path,
        hash: hashText(numbered(input.content)),
        chars: output.length,
        inputChars: input.content.length,
        savedPath,
      }
  }
  // Edits are never pruned, and need no tracking: a reference is only ever made to a copy
  // with the very same content, and only a later full copy with other content supersedes.
  if (EDIT_TOOLS.has(tool)) return undefined
  let args = ""
  try {
    args = JSON.stringify(input ?? {})
  } catch {
    args = String(part.id) // unserialisable arguments: never deduplicated
  }
  return {
    tool,
    callID,
    kind: "other",
    path: undefined,
    hash: hashText(`${tool}\u0000${args}\u0000${output}`),
    chars: output.length,
    inputChars: 0,
    savedPath,
  }
}

/** Rough memory cost of one PartFacts entry (strings are ids, paths and hashes). */
export function factsBytes(f: PartFacts): number {
  return 120 + 2 * (f.tool.length + f.callID.length + (f.path?.length ?? 0) + f.hash.length + (f.savedPath?.length ?? 0))
}
