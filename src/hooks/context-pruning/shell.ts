/**
 * Which files a shell command shows and which it changes, read from its text: enough to
 * know that `cat f`, `sed -n 1,40p f`, `nl -ba f | sed -n ...` or `head f` output is a view
 * of f, and that `sed -i`, `> f`, `tee f`, `mv`, `cp`, `rm` or `touch` changed it. A guess
 * that errs on the side of "not a view": an unknown command shows and changes nothing.
 * Heredoc bodies are skipped (they are data, not commands).
 */
import { isAbsolute, resolve } from "node:path"

export interface ShellFiles {
  views: string[]
  changes: string[]
}

const VIEWERS = new Set(["cat", "head", "tail", "nl", "less", "more", "bat"])
const MAX_COMMAND = 20_000
const MAX_FILES = 16

/** Splits one line into words and operators; quotes are honoured, not interpreted further. */
function words(line: string): string[] {
  const out: string[] = []
  let cur = ""
  let quote: string | undefined
  let has = false
  const flush = () => {
    if (has) out.push(cur)
    cur = ""
    has = false
  }
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (quote) {
      if (c === quote) quote = undefined
      else cur += c
      continue
    }
    if (c === "'" || c === '"') {
      quote = c
      has = true
      continue
    }
    if (c === " " || c === "\t") {
      flush()
      continue
    }
    if (c === "|" || c === ";" || c === "&" || c === ">" || c === "<") {
      flush()
      let op = c
      while (i + 1 < line.length && "|&><".includes(line[i + 1]!) && op.length < 3) op += line[++i]
      out.push(op)
      continue
    }
    cur += c
    has = true
  }
  flush()
  return out
}

/** The command lines of a script, without heredoc bodies. */
function commandLines(command: string): string[] {
  const lines = command.slice(0, MAX_COMMAND).split("\n")
  const out: string[] = []
  let until: string | undefined
  for (const line of lines) {
    if (until !== undefined) {
      if (line.trim() === until) until = undefined
      continue
    }
    out.push(line)
    const m = /<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?/.exec(line)
    if (m) until = m[1]
  }
  return out
}

const isOp = (w: string) => /^[|;&<>]+$/.test(w)

export function shellFiles(command: string, dir: string): ShellFiles {
  const views = new Set<string>()
  const changes = new Set<string>()
  let cwd = dir
  const at = (p: string) => (isAbsolute(p) ? resolve(p) : resolve(cwd, p))
  for (const line of commandLines(command)) {
    const ws = words(line)
    let seg: string[] = []
    const segments: string[][] = []
    for (let i = 0; i < ws.length; i++) {
      const w = ws[i]!
      if (w === ">" || w === ">>" || w === "&>" || w === "1>") {
        const target = ws[i + 1]
        if (target && !isOp(target) && !target.startsWith("/dev/")) changes.add(at(target))
        i++
        continue
      }
      if (w === "2>" || w === "2>>" || w === "<" || w === "<<" || w === "<<<" || w === "<<-") {
        i++
        continue
      }
      if (isOp(w)) {
        if (seg.length) segments.push(seg)
        seg = []
        continue
      }
      seg.push(w)
    }
    if (seg.length) segments.push(seg)
    for (const s of segments) {
      const [cmd, ...args] = s
      if (!cmd) continue
      const files = args.filter((a) => !a.startsWith("-") && !/^\d+(,\d+)?p?$/.test(a) && !/^[0-9,$]+[pd]$/.test(a))
      if (cmd === "cd" && args[0]) cwd = at(args[0])
      else if (VIEWERS.has(cmd)) for (const f of files) views.add(at(f))
      else if (cmd === "sed") {
        const inPlace = args.some((a) => a === "-i" || a.startsWith("-i") || a === "--in-place")
        // The first word that is not an option is the script, unless -e gave it.
        const operands = args.filter((a) => !a.startsWith("-"))
        const rest = args.includes("-e") ? operands.filter((a) => args[args.indexOf(a) - 1] !== "-e") : operands.slice(1)
        for (const f of rest) (inPlace ? changes : views).add(at(f))
      } else if (cmd === "tee" || cmd === "touch" || cmd === "rm") for (const f of files) changes.add(at(f))
      else if (cmd === "mv") for (const f of files) changes.add(at(f))
      else if (cmd === "cp" && files.length >= 2) changes.add(at(files[files.length - 1]!))
    }
  }
  for (const c of changes) views.delete(c)
  return { views: [...views].slice(0, MAX_FILES), changes: [...changes].slice(0, MAX_FILES) }
}
