import { relative } from "node:path"
import type { PartFacts } from "./part-facts"

/**
 * The short texts sent instead of left-out content. Each is a pure function of facts that
 * never change for a part, so a pruned part reads the same in every later request (the
 * prompt prefix stays byte-identical). Every lossy one says how to get the content back.
 */
const n = (x: number) => x.toLocaleString("en-US")

export function displayPath(path: string | undefined, dir: string): string {
  if (!path) return "(unknown file)"
  const rel = relative(dir, path)
  return rel && !rel.startsWith("..") ? rel : path
}

const recall = (f: PartFacts) => `longrun_recall {"call":"${f.callID}"} returns it in full.`

/** A new read that returned what an earlier read or write (still sent) holds. */
export function sameContentRef(f: PartFacts, holder: PartFacts, path: string, dir: string): string {
  const what =
    holder.wrote !== undefined
      ? `the content written by the earlier write call ${holder.callID}`
      : `what the earlier read call ${holder.callID} returned`
  return `[longrun] ${displayPath(path, dir)} is unchanged: exactly ${what}, still above in this conversation (${n(f.chars)} chars not repeated here).`
}

/** A new output identical to an earlier one of the same call (still sent). */
export function sameOutputRef(f: PartFacts, holder: PartFacts): string {
  return `[longrun] Same output as the earlier identical ${f.tool} call ${holder.callID}, still above in this conversation (${n(f.chars)} chars not repeated here).`
}

export function sameErrorRef(f: PartFacts, holder: PartFacts): string {
  return `[longrun] Same error as the earlier identical ${holder.tool} call ${holder.callID}, still above in this conversation (${n(f.chars)} chars not repeated here).`
}

/** An old view of a file that changed after it. */
export function supersededRead(f: PartFacts, path: string, by: PartFacts, changed: boolean, dir: string): string {
  const saved = f.savedPath ? ` Its full output was also saved in ${f.savedPath}.` : ""
  const why = changed
    ? `The file changed after it (${by.tool} call ${by.callID}); read it again for its current content.`
    : `The ${by.tool} call ${by.callID} further down holds the whole file as it was then.`
  return `[longrun] Left out: an older view of ${displayPath(path, dir)} (${n(f.chars)} chars). ${why} ${recall(f)}${saved}`
}

/** An older run of a call that was run again with nearly the same output. */
export function rerun(f: PartFacts, by: PartFacts, alike: number): string {
  return `[longrun] Left out: an older run of this ${f.tool} call (${n(f.chars)} chars); call ${by.callID} ran it again later with nearly the same output (about ${Math.round(alike * 100)}% of lines alike). ${recall(f)}`
}

/** Any output older than the newest ones kept in full. */
export function masked(f: PartFacts, keep: number): string {
  const saved = f.savedPath ? ` It was also saved in ${f.savedPath}.` : ""
  return `[longrun] Left out: the output of this ${f.tool} call (${n(f.chars)} chars), older than the newest ${keep} tool results. ${recall(f)}${saved}`
}

/** Replaces a superseded write's content argument. */
export function supersededWrite(f: PartFacts, path: string, by: PartFacts, dir: string): string {
  return `[longrun: ${n(f.inputChars)} chars left out; ${displayPath(path, dir)} was changed again later by the ${by.tool} call ${by.callID}; longrun_recall {"call":"${f.callID}"} returns them]`
}

/** Replaces each long string argument of a call that failed. */
export function failedInput(chars: number): string {
  return `[longrun: ${n(chars)} chars of a failed call's argument left out]`
}
