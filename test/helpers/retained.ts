/**
 * The longest string reachable from the given roots (objects, arrays, Maps; cycles
 * followed once). Tests use it to prove that no message body, tool output or diff
 * survives in what the plugin keeps.
 */
export function longestReachableString(...roots: unknown[]): number {
  let longest = 0
  const seen = new Set<unknown>()
  const walk = (x: unknown): void => {
    if (typeof x === "string") longest = Math.max(longest, x.length)
    if (typeof x !== "object" || x === null || seen.has(x)) return
    seen.add(x)
    if (x instanceof Map) {
      for (const [k, v] of x) {
        walk(k)
        walk(v)
      }
    } else for (const v of Object.values(x)) walk(v)
  }
  for (const r of roots) walk(r)
  return longest
}
