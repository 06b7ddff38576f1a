/**
 * Readers for values parsed from a file nobody vouches for. Each takes `unknown` and answers
 * the value only when it has the expected type and bounds, else undefined. Fields are read
 * as own properties only, so keys like `__proto__` or `constructor` never reach an inherited value.
 */
export type Obj = Record<string, unknown>

export const own = (o: Obj | undefined, k: string): unknown => (o && Object.hasOwn(o, k) ? o[k] : undefined)
export const obj = (x: unknown): Obj | undefined => (x && typeof x === "object" && !Array.isArray(x) ? (x as Obj) : undefined)
export const num = (x: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined =>
  typeof x === "number" && Number.isFinite(x) && x >= min && x <= max ? x : undefined
export const int = (x: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined =>
  Number.isInteger(x) ? num(x, min, max) : undefined
export const str = (x: unknown, max: number): string | undefined => (typeof x === "string" && x.length <= max ? x : undefined)
export const bool = (x: unknown): boolean | undefined => (typeof x === "boolean" ? x : undefined)
export const oneOf = <T extends string>(x: unknown, values: readonly T[]): T | undefined =>
  values.includes(x as T) ? (x as T) : undefined
export const list = (x: unknown, max: number): unknown[] | undefined => (Array.isArray(x) && x.length <= max ? x : undefined)

/** An OpenCode id: ses_..., msg_..., prt_... (tests use shorter ones). */
export const ID = /^[A-Za-z0-9_-]{1,128}$/
export const id = (x: unknown): string | undefined => (typeof x === "string" && ID.test(x) ? x : undefined)

/** Marks a malformed optional field: the record it is in is dropped. */
export const BAD: unique symbol = Symbol("bad")
/** An optional field: absent (or null) is undefined, present must be valid, else BAD. */
export function opt<T>(x: unknown, read: (v: unknown) => T | undefined): T | undefined | typeof BAD {
  if (x === undefined || x === null) return undefined
  const v = read(x)
  return v === undefined ? BAD : v
}

/** True when no value of the record is undefined or BAD (required fields present, optional ones valid). */
export function complete(values: Record<string, unknown>, optional: Record<string, unknown> = {}): boolean {
  for (const v of Object.values(values)) if (v === undefined || v === BAD) return false
  for (const v of Object.values(optional)) if (v === BAD) return false
  return true
}

/** An optional field already checked by complete(): BAD is no longer possible. */
export const ok = <T>(v: T): Exclude<T, symbol> => v as Exclude<T, symbol>
