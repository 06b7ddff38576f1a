/** Narrowing helpers for payloads read as unknown. Nothing here throws. */
export type Json = Record<string, unknown>

export function isRecord(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x)
}

export function str(x: unknown): string | undefined {
  return typeof x === "string" ? x : undefined
}

export function num(x: unknown): number | undefined {
  return typeof x === "number" && Number.isFinite(x) ? x : undefined
}

export function rec(x: unknown): Json | undefined {
  return isRecord(x) ? x : undefined
}
