import { describe, expect, test } from "bun:test"
import { defaultOptions, parseOptions } from "../../src/options"

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
      expect((options as Record<string, unknown>)["polluted"]).toBeUndefined()
      expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
    })
  }

  test("an inherited key next to good keys leaves the good keys applied", () => {
    const raw = JSON.parse('{"__proto__": {}, "max_sessions": 7, "valueOf": 1}')
    const { options, problems } = parseOptions(raw)
    expect(options.max_sessions).toBe(7)
    expect(problems.map((p) => p.key)).toEqual(["__proto__", "valueOf"])
  })
})
