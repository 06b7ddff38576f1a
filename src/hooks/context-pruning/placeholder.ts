import { relative } from "node:path"
import type { PartFacts } from "./part-facts"

/**
 * The short texts sent instead of pruned content. Each is a pure function of facts that
 * never change for a part, so a pruned part reads the same in every later request
 * (the prompt prefix stays byte-identical).
 */
const n = (x: number) => x.toLocaleString("en-US")

export function displayPath(path: string | undefined, dir: string): string {
  if (!path) return "(unknown file)"
  const rel = relative(dir, path)
  return rel && !rel.startsWith("..") ? rel : path
}

/** A new read that returned what an earlier read or write (still sent) holds. */
export function sameContentRef(f: PartFacts, holder: PartFacts, dir: string): string {
  const what =
    holder.kind === "write"
      ? `the content written by the earlier write call ${holder.callID}`
      : `what the earlier read call ${holder.callID} returned`
  return `[longrun] ${displayPath(f.path, dir)} is unchanged: exactly ${what}, still above in this conversation (${n(f.chars)} chars not repeated here).`
}

/** A new output identical to an earlier one of the same call (still sent). */
export function sameOutputRef(f: PartFacts, holder: PartFacts): string {
  return `[longrun] Same output as the earlier identical ${f.tool} call ${holder.callID}, still above in this conversation (${n(f.chars)} chars not repeated here).`
}

export function sameErrorRef(f: PartFacts, holder: PartFacts): string {
  return `[longrun] Same error as the earlier ${holder.tool} call ${holder.callID}, still above in this conversation (${n(f.chars)} chars not repeated here).`
}

/** An old read made stale by a later read or write of the same file. */
export function supersededRead(f: PartFacts, by: PartFacts, dir: string): string {
  const saved = f.savedPath ? ` Its full output was saved in ${f.savedPath}.` : ""
  return (
    `[longrun] Pruned: an older read of ${displayPath(f.path, dir)} (${n(f.chars)} chars). The file changed after it; ` +
    `the newer copy is the ${by.tool} call ${by.callID} further down. Read the file again if you need its current content.${saved}`
  )
}

/** Replaces a superseded write's content argument. */
export function supersededWrite(f: PartFacts, by: PartFacts, dir: string): string {
  return `[longrun: ${n(f.inputChars)} chars left out; ${displayPath(f.path, dir)} was written again later by the ${by.tool} call ${by.callID}]`
}

/** Replaces each long string argument of a call that failed. */
export function failedInput(chars: number): string {
  return `[longrun: ${n(chars)} chars of a failed call's argument left out]`
}

/** Arguments shorter than this are kept: the placeholder would not be much shorter. */
export const FAILED_ARG_MIN_CHARS = 200
