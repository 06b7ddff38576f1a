/** A bench part that runs alone owns one delimited section of bench/RESULTS.md; the full bench keeps it. */
import { existsSync, readFileSync, writeFileSync } from "node:fs"

const markers = (name: string) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`] as const

export function readSection(file: string, name = "context-pruning"): string | undefined {
  if (!existsSync(file)) return undefined
  const [START, END] = markers(name)
  const text = readFileSync(file, "utf8")
  const a = text.indexOf(START)
  const b = text.indexOf(END)
  return a >= 0 && b > a ? text.slice(a, b + END.length) : undefined
}

/** Replaces the section (markers included in `md` or added), or appends it. */
export function writeSection(file: string, md: string, name = "context-pruning"): void {
  const [START, END] = markers(name)
  const block = md.startsWith(START) ? md : `${START}\n${md.trimEnd()}\n${END}`
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# opencode-longrun benchmark results\n"
  const a = text.indexOf(START)
  const b = text.indexOf(END)
  const next = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + END.length) : `${text.trimEnd()}\n\n${block}\n`
  writeFileSync(file, next)
}
