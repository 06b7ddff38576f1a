// Short words for what an option accepts, read from its JSON Schema so that the problem messages
// and the README table say the same thing as the schema itself.
type Json = Record<string, unknown>

const UNITS: [number, string][] = [
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "min"],
  [1000, "s"],
]

/** 604800000 -> "7 d", 90000 -> "90 s", 250 -> "250 ms": the largest unit that divides evenly. */
export function humanMs(ms: number): string {
  if (ms === 0) return "0"
  for (const [size, unit] of UNITS) if (ms % size === 0) return `${ms / size} ${unit}`
  return `${ms} ms`
}

function num(value: unknown): number | undefined {
  return typeof value === "number" ? value : undefined
}

function range(s: Json, ms: boolean): string {
  const min = num(s.minimum)
  const max = num(s.maximum)
  const xmin = num(s.exclusiveMinimum)
  const xmax = num(s.exclusiveMaximum)
  if (min !== undefined && max !== undefined) {
    return ms ? `${min}..${max} (${humanMs(min)}..${humanMs(max)})` : `${min}..${max}`
  }
  if (xmin !== undefined && xmax !== undefined) return `>${xmin} and <${xmax}`
  return [
    min !== undefined ? `>=${min}` : "",
    xmin !== undefined ? `>${xmin}` : "",
    max !== undefined ? `<=${max}` : "",
    xmax !== undefined ? `<${xmax}` : "",
  ]
    .filter(Boolean)
    .join(" and ")
}

// How many items a list takes: "1..10", "up to 16" or nothing when unbounded.
function count(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && min > 0 && max !== undefined) return `${min}..${max}`
  return max !== undefined ? `up to ${max}` : ""
}

/**
 * What a value must look like, in a few words: "integer 1000..86400000 (1 s..24 h)",
 * "number >0 and <1", "list of 1..10 numbers >0 and <1", "true or false". `ms` adds readable
 * durations to the bounds of millisecond options.
 */
export function describeAccepted(s: Json, ms = false): string {
  const type = s.type
  if (type === "boolean") return "true or false"
  if (type === "integer" || type === "number") {
    const r = range(s, ms)
    return r ? `${type} ${r}` : type
  }
  if (type === "string") {
    if (Array.isArray(s.enum)) return `one of ${s.enum.join(", ")}`
    const max = num(s.maxLength)
    return max !== undefined ? `string of ${num(s.minLength) ?? 0}..${max} chars` : "string"
  }
  if (type === "array") {
    const item = (s.items ?? {}) as Json
    const n = count(num(s.minItems), num(s.maxItems))
    const what = Array.isArray(item.enum) ? "names" : plural(describeAccepted(item))
    return ["list of", n, what].filter(Boolean).join(" ")
  }
  if (type === "object") {
    const keys = (s.propertyNames ?? {}) as Json
    const max = num(s.maxProperties)
    const keyText = num(keys.maxLength) !== undefined ? `names (up to ${keys.maxLength} chars)` : "names"
    const value = describeAccepted((s.additionalProperties ?? {}) as Json)
    return `object of ${max !== undefined ? `up to ${max} ` : ""}${keyText} to ${plural(value)}`
  }
  return "a valid value"
}

// "integer 1..100" -> "integers 1..100"; only the leading noun changes.
function plural(text: string): string {
  return text.replace(/^(integer|number|string)\b/, "$1s")
}
