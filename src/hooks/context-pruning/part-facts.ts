import { isAbsolute, resolve } from "node:path"
import { detach, detachOpt } from "../../runtime/detach"
import { shellFiles } from "./shell"
import { canonicalJson, hashText } from "./keys"
import { fingerprint } from "./similarity"

/**
 * What the pruner remembers about one tool part: ids, sizes, paths and hashes, never
 * bodies. Computed once per part id (a finished tool part does not change) and cached.
 */
export interface PartFacts {
  tool: string
  callID: string
  messageID: string
  status: "completed" | "error"
  /** characters of the output (for errors: of the error text) */
  chars: number
  /** the tool and its arguments in a canonical key order: the same call */
  callKey: string
  /** the call and its output (or error): an identical result */
  hash: string
  /** a read that returned the whole file: its path and a hash of the content */
  file: { path: string; content: string } | undefined
  /** files the output shows, in part or in full */
  views: string[]
  /** files the call changed */
  changes: string[]
  /** what a write tool wrote, hashed in the form a read returns it */
  wrote: string | undefined
  /** characters of arguments pruning could leave out (a write's content, a failed call's long strings) */
  inputChars: number
  /** where the large-payload guard saved the full output */
  savedPath: string | undefined
  /** line fingerprint of a longer output, for near-identical reruns */
  sig: number[] | undefined
}

/** A tool part as OpenCode sends it to the transform (fields used; parsed defensively). */
export interface ToolPartLike {
  id: string
  type: "tool"
  tool: string
  callID?: string
  messageID?: string
  state: { status: string; input?: Record<string, unknown>; output?: unknown; error?: unknown; time?: { compacted?: number } }
}

const EDIT_TOOLS = new Set(["edit", "multiedit", "patch", "apply_patch", "create", "str_replace_editor"])
const SHELL_TOOLS = new Set(["bash", "shell", "sh"])
/** Outputs shorter than this are not fingerprinted: a placeholder would not be much shorter. */
const SIG_MIN_CHARS = 400
/** Arguments shorter than this are kept: the placeholder would not be much shorter. */
export const LONG_ARG_CHARS = 200

export function isToolPart(p: unknown): p is ToolPartLike {
  const q = p as ToolPartLike | null
  return (
    !!q && q.type === "tool" && typeof q.id === "string" && typeof q.tool === "string" && !!q.state && typeof q.state === "object"
  )
}

/** The numbered body a whole-file read returned ("1: first line\n..."), or undefined. */
export function readBody(output: string): string | undefined {
  const start = output.indexOf("<content>\n")
  const end = output.lastIndexOf("\n\n(End of file")
  if (start < 0 || end < start) return undefined
  return output.slice(start + "<content>\n".length, end)
}

/** A written content in the form the read tool returns it. */
export function numbered(content: string): string {
  const text = content.endsWith("\n") ? content.slice(0, -1) : content
  if (text.length === 0) return ""
  return text
    .split("\n")
    .map((l, i) => `${i + 1}: ${l}`)
    .join("\n")
}

function filePath(input: Record<string, unknown> | undefined, dir: string): string | undefined {
  const p = input?.filePath ?? input?.path ?? input?.file_path
  if (typeof p !== "string" || p.length === 0 || p.length > 4096) return undefined
  return isAbsolute(p) ? resolve(p) : resolve(dir, p)
}

/** Editors that print the file they show first: "[File: /path (120 lines total)]". */
const FILE_HEADER = /^\[File: ([^\n()]{1,4096}?) \(\d+ lines total\)\]/
const PATCH_FILE = /^\*\*\* (?:Update|Add|Delete) File: (.+)$/gm
const SAVED = /The full output is saved in (\S+?);/

function patchFiles(text: unknown, dir: string): string[] {
  if (typeof text !== "string") return []
  const out: string[] = []
  for (const m of text.slice(0, 200_000).matchAll(PATCH_FILE)) out.push(resolve(dir, m[1]!.trim()))
  return out.slice(0, 16)
}

/** Facts for a finished tool part, or undefined for parts the pruner leaves alone. */
export function partFacts(part: ToolPartLike, dir: string): PartFacts | undefined {
  const { state, tool } = part
  if (state.time?.compacted) return undefined // OpenCode already cleared it
  if (state.status !== "completed" && state.status !== "error") return undefined
  const input = state.input && typeof state.input === "object" ? state.input : undefined
  let args: string
  try {
    args = canonicalJson(input ?? {})
  } catch {
    args = `\u0000${part.id}` // unserialisable arguments: never the same call as another
  }
  const callKey = hashText(`${tool}\u0000${args}`)
  const base = {
    tool,
    callID: typeof part.callID === "string" ? part.callID : part.id,
    messageID: typeof part.messageID === "string" ? part.messageID : "",
    callKey,
    file: undefined,
    views: [] as string[],
    changes: [] as string[],
    wrote: undefined,
    savedPath: undefined,
    sig: undefined,
  }
  if (state.status === "error") {
    const err = typeof state.error === "string" ? state.error : ""
    let long = 0
    for (const v of Object.values(input ?? {})) if (typeof v === "string" && v.length >= LONG_ARG_CHARS) long += v.length
    // The same error from another call is a repeat too: errors are compared by their text alone.
    return { ...base, status: "error", chars: err.length, hash: hashText(`error\u0000${err}`), inputChars: long }
  }
  if (typeof state.output !== "string") return undefined
  const output = state.output
  const f: PartFacts = {
    ...base,
    status: "completed",
    chars: output.length,
    hash: hashText(`${callKey}\u0000${output}`),
    inputChars: 0,
  }
  // A regex capture shares the whole output's memory: copy it.
  f.savedPath = detachOpt(SAVED.exec(output)?.[1], 4096)
  const path = filePath(input, dir)
  if (tool === "read") {
    if (path) f.views = [path]
    const content = readBody(output)
    const ranged = input?.offset !== undefined || input?.limit !== undefined
    if (path && content !== undefined && !ranged && !f.savedPath) f.file = { path, content: hashText(content) }
  } else if (tool === "write" && path && typeof input?.content === "string") {
    f.changes = [path]
    f.wrote = hashText(numbered(input.content))
    f.inputChars = input.content.length
  } else if (EDIT_TOOLS.has(tool)) {
    const header = FILE_HEADER.exec(output)?.[1]
    f.changes = path ? [path] : header ? [resolve(dir, header)] : patchFiles(input?.patchText ?? input?.patch, dir)
  } else if (SHELL_TOOLS.has(tool) && typeof input?.command === "string") {
    const files = shellFiles(input.command, typeof input.workdir === "string" ? resolve(dir, input.workdir) : dir)
    f.views = files.views
    f.changes = files.changes
  } else {
    const header = FILE_HEADER.exec(output)?.[1]
    if (header) f.views = [isAbsolute(header) ? resolve(header) : resolve(dir, header)]
  }
  if (output.length >= SIG_MIN_CHARS && f.changes.length === 0) f.sig = fingerprint(output)
  return own(f)
}

/** Kept across requests: copies, so no message object's strings stay pinned. */
function own(f: PartFacts): PartFacts {
  return {
    ...f,
    tool: detach(f.tool, 200),
    callID: detach(f.callID, 256),
    messageID: detach(f.messageID, 256),
    views: f.views.map((p) => detach(p, 4096)),
    changes: f.changes.map((p) => detach(p, 4096)),
    file: f.file ? { path: detach(f.file.path, 4096), content: f.file.content } : undefined,
  }
}

/** Rough memory cost of one PartFacts entry. */
export function factsBytes(f: PartFacts): number {
  let paths = 0
  for (const p of f.views) paths += p.length
  for (const p of f.changes) paths += p.length
  return (
    200 +
    2 *
      (f.tool.length +
        f.callID.length +
        f.messageID.length +
        f.callKey.length +
        f.hash.length +
        paths +
        (f.file?.path.length ?? 0) +
        (f.savedPath?.length ?? 0)) +
    (f.sig ? 16 * 8 + 32 : 0)
  )
}
