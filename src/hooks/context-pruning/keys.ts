/** Keys the pruner compares parts by: content hashes and arguments in a canonical order, bounded. */

export function hashText(s: string): string {
  // Bun.hash (wyhash) is fast enough to hash each new output once; the length makes collisions rarer still.
  const h = typeof Bun !== "undefined" ? Bun.hash(s).toString(36) : fnv(s)
  return `${s.length.toString(36)}.${h}`
}

function fnv(s: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return (h >>> 0).toString(36)
}

/** Arguments past this size are never compared with another call's: too big to be worth it. */
const MAX_ARGS_CHARS = 2_000_000

/**
 * JSON with object keys sorted, so `{a,b}` and `{b,a}` are the same call. Throws past
 * MAX_ARGS_CHARS (shared sub-objects could otherwise make it grow without bound).
 */
export function canonicalJson(v: unknown): string {
  const out: string[] = []
  let size = 0
  const push = (s: string) => {
    size += s.length
    if (size > MAX_ARGS_CHARS) throw new Error("arguments too large to compare")
    out.push(s)
  }
  const walk = (x: unknown, depth: number) => {
    if (depth > 32) return push('"…"')
    if (Array.isArray(x)) {
      push("[")
      x.forEach((y, i) => {
        if (i) push(",")
        walk(y, depth + 1)
      })
      return push("]")
    }
    if (x && typeof x === "object") {
      push("{")
      Object.keys(x as object)
        .sort()
        .forEach((k, i) => {
          push(`${i ? "," : ""}${JSON.stringify(k)}:`)
          walk((x as Record<string, unknown>)[k], depth + 1)
        })
      return push("}")
    }
    push(JSON.stringify(x) ?? "null")
  }
  walk(v, 0)
  return out.join("")
}

/** The length JSON.stringify would give, counted up to `budget` (then `budget`). */
export function boundedJsonLength(v: unknown, budget: number): number {
  let n = 0
  const walk = (x: unknown, depth: number) => {
    if (n >= budget) return
    if (depth > 64) {
      n += 3
      return
    }
    if (typeof x === "string") n += x.length + 2
    else if (Array.isArray(x)) {
      n += 2 + Math.max(0, x.length - 1)
      for (const y of x) walk(y, depth + 1)
    } else if (x && typeof x === "object") {
      const keys = Object.keys(x as object)
      n += 2 + Math.max(0, keys.length - 1)
      for (const k of keys) {
        n += k.length + 3
        walk((x as Record<string, unknown>)[k], depth + 1)
      }
    } else n += String(x).length
  }
  walk(v, 0)
  return Math.min(n, budget)
}
