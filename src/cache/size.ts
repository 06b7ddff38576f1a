/**
 * Rough retained-size estimates for attribution. They are estimates (JS engines do
 * not expose per-object sizes cheaply); benchmarks compare them with measured heap.
 * Constants follow JSC/V8 orders of magnitude: a small object ~ 64 bytes, a Map
 * entry ~ 48 bytes, strings ~ 2 bytes per character worst case.
 */
export const OBJECT_OVERHEAD = 64
export const MAP_ENTRY_OVERHEAD = 48

export function stringBytes(s: string | undefined): number {
  return s === undefined ? 0 : 16 + s.length * 2
}

/** UTF-8 length without allocating an encoded copy of a possibly huge string. */
export function utf8Length(s: string): number {
  // Buffer.byteLength scans without copying; fine for multi-MB strings.
  return Buffer.byteLength(s, "utf8")
}
