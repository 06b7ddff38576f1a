/**
 * A copy of (the start of) a string that shares no memory with the original. Under
 * Bun, slice() of a string can keep the whole original alive: a todo cut to 500
 * characters kept a 2 MB string. Whatever the plugin keeps from an event goes
 * through here.
 */
export function detach(s: string, max = Number.POSITIVE_INFINITY): string {
  const cut = s.length > max ? s.slice(0, max) : s
  // Encoding to bytes and back allocates a fresh string; fine for the short strings we keep.
  return Buffer.from(cut, "utf8").toString("utf8")
}

export function detachOpt(s: string | undefined, max?: number): string | undefined {
  return s === undefined ? undefined : detach(s, max)
}
