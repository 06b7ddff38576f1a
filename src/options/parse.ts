import { describeAccepted } from "./describe"
import {
  defaultOptions,
  HOOK_NAMES,
  optionJsonSchema,
  optionShapes,
  type HookName,
  type LongrunOptions,
  type OptionKey,
} from "./schema"

export interface OptionProblem {
  key: string
  message: string
}

export interface ParsedOptions {
  options: LongrunOptions
  problems: OptionProblem[]
}

// Keys come from the user: quote them (escapes newlines) and cut long ones, so one problem stays one short line.
const MAX_KEY_CHARS = 40
// A pasted object with thousands of unknown keys must not become thousands of problems.
const MAX_PROBLEMS = 20

function shortKey(key: string): string {
  return key.length > MAX_KEY_CHARS ? `${key.slice(0, MAX_KEY_CHARS)}…` : key
}

function quote(key: string): string {
  return JSON.stringify(shortKey(key))
}

// Like quote, without the quotes: a plain name reads as itself, a newline still cannot split the line.
function escaped(name: string): string {
  return quote(name).slice(1, -1)
}

/** What option `key` accepts, in a few words, e.g. "integer 1000..86400000 (1 s..1 d)". */
export function describeOption(key: OptionKey): string {
  return describeAccepted(optionJsonSchema(key), key.endsWith("_ms"))
}

function withArticle(text: string): string {
  if (text.startsWith("true")) return text
  return /^[aeiou]/.test(text) ? `an ${text}` : `a ${text}`
}

function invalid(key: OptionKey, fallback: unknown): OptionProblem {
  return {
    key,
    message: `option ${quote(key)} is invalid: expected ${withArticle(describeOption(key))}; using ${JSON.stringify(fallback)}`,
  }
}

// Records come back as null-prototype objects, so that looking up a provider or model named
// "constructor" or "toString" finds no inherited function.
function withoutPrototype(record: Record<string, number>): Record<string, number> {
  return Object.assign(Object.create(null) as Record<string, number>, record)
}

/**
 * Validates user options key by key. Never throws: each bad key gets one short problem (naming
 * the key and what it accepts) and its default; the other keys still apply.
 */
export function parseOptions(raw: unknown): ParsedOptions {
  let options = defaultOptions()
  let problems: OptionProblem[] = []
  try {
    readOptions(raw, options, problems)
  } catch (error) {
    // Options come from JSON, so nothing here should throw; if it does, OpenCode must still load.
    options = defaultOptions()
    problems = [{ key: "(options)", message: `plugin options could not be read (${String(error).slice(0, 80)}); using defaults` }]
  }
  options.background_provider_concurrency = withoutPrototype(options.background_provider_concurrency)
  options.background_model_concurrency = withoutPrototype(options.background_model_concurrency)
  if (problems.length > MAX_PROBLEMS) {
    const more = problems.length - MAX_PROBLEMS + 1
    problems.splice(MAX_PROBLEMS - 1, problems.length, { key: "(options)", message: `${more} more option problems` })
  }
  return { options, problems }
}

function readOptions(raw: unknown, options: LongrunOptions, problems: OptionProblem[]): void {
  if (raw === undefined || raw === null) return
  if (typeof raw !== "object" || Array.isArray(raw)) {
    problems.push({ key: "(options)", message: `plugin options must be an object, got ${typeof raw}; using defaults` })
    return
  }
  const writable = options as Record<string, unknown>
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    // A "$schema" key lets an editor check a file of options (see README); it is not an option.
    if (key === "$schema") continue
    // Own keys only: "constructor", "toString" or a JSON "__proto__" key are unknown options, not inherited members.
    if (!Object.hasOwn(optionShapes, key)) {
      problems.push({ key: shortKey(key), message: `unknown option ${quote(key)} ignored` })
      continue
    }
    const k = key as OptionKey
    const result = optionShapes[k].safeParse(value)
    if (result.success) writable[k] = result.data
    else problems.push(invalid(k, writable[k]))
  }
  // Hook names are checked separately: an unknown name is reported, the known ones still apply.
  const known = new Set<string>(HOOK_NAMES)
  const unknownHooks = options.disabled_hooks.filter((h) => !known.has(h))
  if (unknownHooks.length > 0) {
    problems.push({
      key: "disabled_hooks",
      message: `unknown hook name(s) in "disabled_hooks": ${unknownHooks.map(escaped).join(", ")}; known: ${HOOK_NAMES.join(", ")}`,
    })
    options.disabled_hooks = options.disabled_hooks.filter((h) => known.has(h))
  }
  if (options.message_cap_hysteresis > options.message_cap) {
    problems.push({
      key: "message_cap_hysteresis",
      message: `option "message_cap_hysteresis" (${options.message_cap_hysteresis}) exceeds "message_cap"; using ${options.message_cap}`,
    })
    options.message_cap_hysteresis = options.message_cap
  }
}

// Short enough for a toast; the log line carries the full list as data.
const MAX_LINES = 8

/** One short line per problem, for the log and the toast. */
export function formatOptionProblems(problems: readonly OptionProblem[]): string {
  const lines = problems.slice(0, MAX_LINES).map((p) => p.message)
  if (problems.length > MAX_LINES) lines.push(`… and ${problems.length - MAX_LINES} more`)
  return lines.join("\n")
}

export function isHookEnabled(options: LongrunOptions, name: HookName): boolean {
  return !options.disabled_hooks.includes(name)
}
