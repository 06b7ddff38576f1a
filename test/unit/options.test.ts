import { describe, expect, test } from "bun:test"
import {
  defaultOptions,
  formatOptionProblems,
  optionJsonSchema,
  optionShapes,
  parseOptions,
  type OptionKey,
} from "../../src/options"

// Keys every object inherits must be treated as the unknown keys they are: one problem each,
// defaults for the rest, and no change to the returned object's prototype.
describe("inherited key names in the options", () => {
  const cases: [string, unknown][] = [
    ["constructor", { constructor: 1 }],
    ["toString", { toString: "x" }],
    ["hasOwnProperty", { hasOwnProperty: 1 }],
    ["__proto__", JSON.parse('{"__proto__": {"max_sessions": 1, "polluted": true}}')],
    ["__proto__", JSON.parse('{"__proto__": 5}')],
  ]
  for (const [key, raw] of cases) {
    test(`${JSON.stringify(raw)} gives one problem naming "${key}" and default options`, () => {
      const { options, problems } = parseOptions(raw)
      expect(problems.map((p) => p.key)).toEqual([key])
      expect(problems[0]!.message).toContain(JSON.stringify(key))
      expect(options).toEqual(defaultOptions())
      expect(Object.getPrototypeOf(options)).toBe(Object.prototype)
      expect(Object.hasOwn(options, key)).toBe(false)
      expect((options as Record<string, unknown>).polluted).toBeUndefined()
      expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    })
  }

  test("an inherited key next to good keys leaves the good keys applied", () => {
    const raw = JSON.parse('{"__proto__": {}, "max_sessions": 7, "valueOf": 1}')
    const { options, problems } = parseOptions(raw)
    expect(options.max_sessions).toBe(7)
    expect(problems.map((p) => p.key)).toEqual(["__proto__", "valueOf"])
  })
})

type Json = Record<string, unknown>
const keys = Object.keys(optionShapes) as OptionKey[]
const MAX_TIMER_MS = 2 ** 31 - 1

// Every numeric, list, string and map node of an option's JSON Schema, with its path.
function nodes(s: Json, path: string, out: [string, Json][] = []): [string, Json][] {
  out.push([path, s])
  if (s.items) nodes(s.items as Json, `${path}[]`, out)
  if (s.propertyNames) nodes(s.propertyNames as Json, `${path}{key}`, out)
  if (typeof s.additionalProperties === "object") nodes(s.additionalProperties as Json, `${path}{value}`, out)
  return out
}

describe("every option is bounded", () => {
  test("each number has a lower and an upper bound; durations stay below 2^31-1 ms", () => {
    for (const key of keys) {
      for (const [path, s] of nodes(optionJsonSchema(key), key)) {
        if (s.type !== "number" && s.type !== "integer") continue
        const lower = s.minimum ?? s.exclusiveMinimum
        const upper = (s.maximum ?? s.exclusiveMaximum) as number | undefined
        expect({ path, lower: typeof lower, upper: typeof upper }).toEqual({ path, lower: "number", upper: "number" })
        if (key.endsWith("_ms")) expect({ path, below: upper! <= 7 * 86_400_000 }).toEqual({ path, below: true })
      }
    }
  })

  test("each list, string in a list and map is bounded in length", () => {
    for (const key of keys) {
      for (const [path, s] of nodes(optionJsonSchema(key), key)) {
        if (s.type === "array") expect({ path, max: typeof s.maxItems }).toEqual({ path, max: "number" })
        if (s.type === "string" && !s.enum) expect({ path, max: typeof s.maxLength }).toEqual({ path, max: "number" })
        if (s.type === "object") expect({ path, max: typeof s.maxProperties }).toEqual({ path, max: "number" })
      }
    }
  })

  // One value just past a bound of each option, built from its schema.
  function pastBounds(key: OptionKey): unknown[] {
    const s = optionJsonSchema(key)
    const fallback = (defaultOptions() as Json)[key]
    const above = (n: Json) => (typeof n.maximum === "number" ? n.maximum + 1 : (n.exclusiveMaximum as number))
    if (s.type === "integer" || s.type === "number") return [above(s), MAX_TIMER_MS + 1]
    if (s.type === "array") {
      const item = s.items as Json
      const good = item.enum ? (item.enum as string[])[0] : ((fallback as unknown[])[0] ?? "agent")
      const bad = item.type === "number" ? above(item) : "x".repeat(((item.maxLength as number) ?? 64) + 1)
      return [Array((s.maxItems as number) + 1).fill(good), [bad]]
    }
    if (s.type === "object") {
      const value = s.additionalProperties as Json
      const many = Object.fromEntries(Array.from({ length: (s.maxProperties as number) + 1 }, (_, i) => [`p${i}`, 1]))
      const longKey = "k".repeat(((s.propertyNames as Json).maxLength as number) + 1)
      return [{ openai: above(value) }, many, { [longKey]: 1 }]
    }
    if (s.type === "string") return ["x".repeat((s.maxLength as number) + 1), 42]
    return [`not a ${String(s.type)}`]
  }

  for (const key of keys) {
    test(`"${key}": a value past its bounds is reported and replaced by the default`, () => {
      for (const value of pastBounds(key)) {
        const { options, problems } = parseOptions({ [key]: value })
        expect(problems.map((p) => p.key)).toEqual([key])
        expect(problems[0]!.message).toContain(`option "${key}" is invalid: expected`)
        expect(options[key]).toEqual(defaultOptions()[key])
      }
    })
  }

  test("the reported 35-day sweep interval that swept 430 times in 0.5 s is refused", () => {
    const { options, problems } = parseOptions({ sweep_interval_ms: 35 * 86_400_000 })
    expect(options.sweep_interval_ms).toBe(60_000)
    expect(problems[0]!.message).toBe(
      'option "sweep_interval_ms" is invalid: expected an integer 1000..86400000 (1 s..1 d); using 60000',
    )
  })

  test("the largest compaction retry delay stays below 2^31-1 ms", () => {
    const base = optionJsonSchema("compaction_retry_base_ms").maximum as number
    const retries = optionJsonSchema("compaction_max_retries").maximum as number
    expect(base * 2 ** (retries - 1)).toBeLessThan(MAX_TIMER_MS)
  })

  test("values at the bounds are accepted", () => {
    const { options, problems } = parseOptions({
      session_ttl_ms: 7 * 86_400_000,
      compaction_max_retries: 0,
      todo_skip_agents: [],
    })
    expect(problems).toEqual([])
    expect(options.session_ttl_ms).toBe(7 * 86_400_000)
    expect(options.compaction_max_retries).toBe(0)
  })
})

describe("option problems are short, one line each", () => {
  test("formatOptionProblems gives one line per problem", () => {
    const { problems } = parseOptions({ max_sessions: 0, compaction_threshold: "high", typo: 1 })
    expect(formatOptionProblems(problems).split("\n")).toEqual([
      'option "max_sessions" is invalid: expected an integer 1..10000; using 200',
      'option "compaction_threshold" is invalid: expected a number >0 and <1; using 0.8',
      'unknown option "typo" ignored',
    ])
    expect(formatOptionProblems([])).toBe("")
  })

  test("a key with a newline or thousands of characters still makes one short line", () => {
    const { problems } = parseOptions({ "bad\nkey": 1, ["k".repeat(5000)]: 1, disabled_hooks: ["no\nhook"] })
    const lines = formatOptionProblems(problems).split("\n")
    expect(lines).toHaveLength(3)
    expect(lines[0]).toBe('unknown option "bad\\nkey" ignored')
    // the longest is the disabled_hooks line, which lists the eight hook names
    for (const line of lines) expect(line.length).toBeLessThan(240)
    expect(lines[2]).toContain('"disabled_hooks": no\\nhook;')
  })

  test("thousands of unknown keys make a bounded list and a bounded text", () => {
    const raw = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`key${i}`, i]))
    const { problems } = parseOptions(raw)
    expect(problems.length).toBeLessThanOrEqual(20)
    expect(problems.at(-1)!.message).toBe("4981 more option problems")
    const lines = formatOptionProblems(problems).split("\n")
    expect(lines.length).toBeLessThanOrEqual(9)
    expect(lines.at(-1)).toBe(`… and ${problems.length - 8} more`)
  })

  test("a $schema key (for editors) is not an option and not a problem", () => {
    const { options, problems } = parseOptions({ $schema: "./options.schema.json", max_sessions: 9 })
    expect(problems).toEqual([])
    expect(options.max_sessions).toBe(9)
  })

  test("message_cap_hysteresis above message_cap is reported and capped", () => {
    const { options, problems } = parseOptions({ message_cap: 100, message_cap_hysteresis: 300 })
    expect(options.message_cap_hysteresis).toBe(100)
    expect(problems.map((p) => p.message)).toEqual(['option "message_cap_hysteresis" (300) exceeds "message_cap"; using 100'])
  })
})

describe("per-provider and per-model limits", () => {
  test("a provider named like an inherited member finds no inherited value", () => {
    const { options } = parseOptions({ background_provider_concurrency: { openai: 2 } })
    expect(options.background_provider_concurrency.openai).toBe(2)
    expect(options.background_provider_concurrency.toString).toBeUndefined()
    expect(options.background_model_concurrency.constructor).toBeUndefined()
  })
})

test("context_note_to_agent is a boolean option, on by default", () => {
  expect(defaultOptions().context_note_to_agent).toBe(true)
  expect(parseOptions({ context_note_to_agent: false }).options.context_note_to_agent).toBe(false)
  expect(parseOptions({ context_note_to_agent: "no" }).problems[0]!.message).toBe(
    'option "context_note_to_agent" is invalid: expected true or false; using true',
  )
})

test("options whose reading throws (a getter, not JSON) still give defaults and one problem", () => {
  const raw = Object.defineProperty({}, "max_sessions", {
    enumerable: true,
    get() {
      throw new Error("boom")
    },
  })
  const { options, problems } = parseOptions(raw)
  expect(options).toEqual(defaultOptions())
  expect(problems).toHaveLength(1)
  expect(problems[0]!.message).toContain("could not be read (Error: boom)")
})
