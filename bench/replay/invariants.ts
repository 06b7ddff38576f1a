/**
 * What a replay checks on every request the plugin transformed: no message added,
 * dropped or reordered; every user and text part as stored; the newest `window` tool
 * outputs sent in full, or as a reference to an identical copy still sent in full.
 */
type Msg = { info: Record<string, any>; parts: Array<Record<string, any>> }

export const NEWEST_INTACT = 10

export function checkRequest(before: Msg[], after: Msg[], window = NEWEST_INTACT): string[] {
  const problems: string[] = []
  if (before.length !== after.length) return [`${before.length} messages became ${after.length}`]
  const sent = new Map<string, string>() // output text -> part id, for outputs sent in full
  const tools: Array<{ id: string; original: string; now: string }> = []
  for (let m = 0; m < before.length; m++) {
    const a = before[m]!
    const b = after[m]!
    if (a.info.id !== b.info.id || a.info.role !== b.info.role) problems.push(`message ${m} replaced`)
    if (a.parts.length !== b.parts.length) {
      problems.push(`message ${m}: parts changed in number`)
      continue
    }
    for (let p = 0; p < a.parts.length; p++) {
      const pa = a.parts[p]!
      const pb = b.parts[p]!
      if (pa.type === "text" && pa.text !== pb.text) problems.push(`text part ${pa.id} changed`)
      if (pa.type === "tool" && pa.state?.status === "completed") {
        const original = String(pa.state.output ?? "")
        const now = String(pb.state?.output ?? "")
        if (now === original) sent.set(original, pa.id)
        tools.push({ id: pa.id, original, now })
      }
    }
  }
  for (const t of tools.slice(-window)) {
    if (t.now === t.original) continue
    // A reference is fine only when an identical copy is still sent in full elsewhere.
    if (!sent.has(t.original)) problems.push(`newest tool output ${t.id} not sent in full and no identical copy is`)
  }
  return problems
}
