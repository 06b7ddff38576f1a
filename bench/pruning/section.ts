/**
 * Parts that run on their own (context pruning, the replay, the bill) each own one delimited section
 * of bench/RESULTS.md, named by its markers; the full bench keeps them when it rewrites the file.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs"

export const OWN_SECTIONS = ["context-pruning", "replay", "bill", "journal"] as const
export type SectionName = (typeof OWN_SECTIONS)[number]

const markers = (name: SectionName) => [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`] as const

export function readSection(file: string, name: SectionName = "context-pruning"): string | undefined {
  if (!existsSync(file)) return undefined
  const [START, END] = markers(name)
  const text = readFileSync(file, "utf8")
  const a = text.indexOf(START)
  const b = text.indexOf(END)
  return a >= 0 && b > a ? text.slice(a, b + END.length) : undefined
}

/** Replaces the section (markers included in `md` or added), or appends it. */
export function writeSection(file: string, md: string, name: SectionName = "context-pruning"): void {
  const [START, END] = markers(name)
  const block = md.startsWith(START) ? md : `${START}\n${md.trimEnd()}\n${END}`
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# opencode-longrun benchmark results\n"
  const a = text.indexOf(START)
  const b = text.indexOf(END)
  const next = a >= 0 && b > a ? text.slice(0, a) + block + text.slice(b + END.length) : `${text.trimEnd()}\n\n${block}\n`
  writeFileSync(file, next)
}
