import { describe, expect, test } from "bun:test"
import { parseOptions } from "../../src/options"

describe("options", () => {
  test("one bad key gets one clear message naming it; the other keys still apply", () => {
    const { options, problems } = parseOptions({ session_ttl_ms: "soon", max_sessions: 7, compaction_threshold: 1.5 })
    expect(options.max_sessions).toBe(7)
    expect(options.session_ttl_ms).toBe(30 * 60_000)
    expect(options.compaction_threshold).toBe(0.8)
    expect(problems.map((p) => p.key)).toEqual(["session_ttl_ms", "compaction_threshold"])
    expect(problems[0]!.message).toContain('option "session_ttl_ms" is invalid')
    expect(problems[0]!.message).toContain("expected an integer 0..604800000 (0..7 d); using 1800000")
  })

  test("non-object options and unknown keys are reported", () => {
    expect(parseOptions("yes").problems[0]!.message).toContain("must be an object")
    expect(parseOptions({ typo_option: 1 }).problems[0]!.message).toContain('unknown option "typo_option"')
    expect(parseOptions(undefined).problems).toEqual([])
  })
})
