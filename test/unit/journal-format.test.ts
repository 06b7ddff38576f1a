import { describe, expect, test } from "bun:test"
import { encodeJournal, JOURNAL_FORMAT, type JournalFile, jsonDepth, parseJournal } from "../../src/journal/format"
import type { Sections } from "../../src/journal/types"

const owner = { id: "123-0badcafe", pid: 123, host: "h", boot: "b", start: 42 }

export const SAMPLE: Sections = {
  tasks: [
    {
      id: "bg_1abcd",
      childID: "ses_child",
      description: "count files",
      agent: "general",
      providerID: "scripted",
      modelID: "scripted-model",
      status: "running",
      createdAt: 1,
      startedAt: 2,
      lastActivityAt: 3,
      told: false,
      toolCalls: 1,
      tokens: { input: 10, output: 2 },
      resumes: 0,
    },
    {
      id: "bg_2abcd",
      description: "queued one",
      agent: "general",
      providerID: "scripted",
      modelID: "scripted-model",
      status: "queued",
      createdAt: 1,
      lastActivityAt: 1,
      told: false,
      toolCalls: 0,
      tokens: { input: 0, output: 0 },
      prompt: "do the queued thing",
      resumes: 0,
    },
  ],
  continuation: {
    stopped: "user",
    aborted: false,
    withoutProgress: 2,
    closed: 1,
    open: 2,
    failures: 0,
    notBefore: 0,
    sent: 2,
  },
  compaction: { phase: "in-flight", since: 5, failures: 1, notBefore: 0, compactions: 2, lastError: "x" },
  pruning: {
    seen: "prt_9",
    decisions: [
      ["prt_1:o", "masked", "[longrun] Left out", undefined],
      ["prt_2:o", "dedupe", "[longrun] Same output", "prt_0"],
    ],
    requests: 7,
    moments: 1,
    lastMoment: {
      request: 6,
      cold: true,
      parts: 1,
      chars: 900,
      extraDollars: -0.001,
      netDollars: 0.01,
      afterAnswer: "msg_5",
      keptShare: 0.4,
    },
    shape: "prefix",
    modelKey: "scripted/scripted-model",
    charsNotSent: 1234,
    dollarsSaved: 0.02,
  },
  bill: {
    fact: {
      steps: 3,
      input: 100,
      output: 20,
      cacheRead: 50,
      cacheWrite: 10,
      dollars: 0.5,
      estimated: false,
      hostDollars: 0.4,
      busts: 1,
      bustDollars: 0.1,
      lastBusts: [{ messageID: "msg_3", at: 9, rewritten: 2000, dollars: 0.1, cause: "pruning" }],
    },
    prev: { id: "msg_3", prompt: 160, completed: 9, model: "scripted/scripted-model", compactions: 0 },
    counted: [["msg_3", { input: 1, output: 2, cacheRead: 3, cacheWrite: 4, dollars: 0.1, host: 0.1 }]],
  },
}

const file = (sections: Partial<Sections> = SAMPLE): JournalFile => ({ session: "ses_a", owner, writtenAt: 1000, sections })
const text = (sections?: Partial<Sections>) => encodeJournal(file(sections))
const problem = (t: string) => {
  const p = parseJournal(t)
  return p.ok ? undefined : p.problem
}
/** The file with one field of the envelope or of a section replaced (raw JSON). */
const edit = (fn: (o: any) => void) => {
  const o = JSON.parse(text())
  fn(o)
  return JSON.stringify(o)
}

describe("journal file format", () => {
  test("every section survives a round trip unchanged", () => {
    const p = parseJournal(text())
    if (!p.ok) throw new Error(p.problem)
    expect(p.dropped).toEqual([])
    expect(p.file.session).toBe("ses_a")
    expect(p.file.owner).toEqual(owner)
    // undefined optional fields are left out by JSON: compare through it
    expect(JSON.parse(JSON.stringify(p.file.sections))).toEqual(JSON.parse(JSON.stringify(SAMPLE)))
  })

  test("an empty, truncated or corrupt file is refused with a reason", () => {
    const whole = text()
    expect(problem("")).toBe("empty (truncated)")
    expect(problem(whole.slice(0, Math.floor(whole.length / 2)))).toContain("not valid JSON")
    expect(problem(whole.slice(0, -3))).toContain("not valid JSON")
    expect(problem("\u0000\u0001garbage{")).toContain("not valid JSON")
    expect(problem(JSON.stringify({ hello: "world" }))).toContain("not an opencode-longrun journal")
    expect(problem("[1,2,3]")).toContain("not an opencode-longrun journal")
  })

  test("a file from a newer version is refused, naming both versions; an unknown one too", () => {
    expect(problem(edit((o) => (o.v = 2)))).toBe("version 2 is newer than this plugin's 1")
    expect(problem(edit((o) => (o.v = "1")))).toContain("unknown version")
    expect(problem(edit((o) => delete o.v))).toContain("unknown version")
  })

  test("nesting deeper than the format's is refused before JSON.parse sees it", () => {
    const deep = `${"[".repeat(100_000)}${"]".repeat(100_000)}`
    expect(jsonDepth(deep)).toBeGreaterThan(16)
    expect(problem(deep)).toContain("nested deeper")
    // brackets inside strings are not nesting
    expect(jsonDepth(JSON.stringify({ a: "[[[[[[[[[[[[[[[[[[[[[[[[[[[[" }))).toBe(1)
    expect(problem(edit((o) => (o.sections.tasks[0].tokens = JSON.parse(`${"[".repeat(30)}${"]".repeat(30)}`))))).toContain(
      "nested deeper",
    )
  })

  test("prototype keys never reach an inherited value or Object.prototype", () => {
    const hostile = text().replace(
      '"format":',
      '"__proto__":{"format":"x","v":9},"constructor":{"prototype":{"polluted":1}},"format":',
    )
    const p = parseJournal(hostile)
    expect(p.ok).toBe(true)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    // a file that has the format only through __proto__ is not a journal
    expect(problem(`{"__proto__":${JSON.stringify({ format: JOURNAL_FORMAT, v: 1 })}}`)).toContain("not an opencode")
    // a section given only through __proto__ does not count
    const viaProto = edit((o) => {
      o.sections = JSON.parse(`{"__proto__": ${JSON.stringify({ continuation: SAMPLE.continuation })}}`)
    })
    const q = parseJournal(viaProto)
    expect(q.ok && q.file.sections.continuation).toBeFalsy()
  })

  test("a malformed section is dropped and named; the others are kept", () => {
    const p = parseJournal(
      edit((o) => {
        o.sections.tasks[0].status = "exploded"
        o.sections.pruning.decisions.push(["not a key", "masked", "x"])
        o.sections.bill.fact.steps = -1
      }),
    )
    if (!p.ok) throw new Error(p.problem)
    expect(p.dropped.sort()).toEqual(["bill", "pruning", "tasks"])
    expect(p.file.sections.continuation?.stopped).toBe("user")
    expect(p.file.sections.compaction?.phase).toBe("in-flight")
  })

  test("strings and lists are bounded: an oversized field drops its section", () => {
    const long = parseJournal(edit((o) => (o.sections.tasks[1].prompt = "x".repeat(50_001))))
    expect(long.ok && long.dropped).toEqual(["tasks"])
    const many = parseJournal(edit((o) => (o.sections.tasks = Array.from({ length: 501 }, () => o.sections.tasks[0]))))
    expect(many.ok && many.dropped).toEqual(["tasks"])
    const badID = parseJournal(edit((o) => (o.sections.tasks[0].childID = "../../etc/passwd")))
    expect(badID.ok && badID.dropped).toEqual(["tasks"])
    const nan = parseJournal(edit((o) => (o.sections.compaction.failures = 1e300)))
    expect(nan.ok && nan.dropped).toEqual(["compaction"])
  })

  test("the envelope must name a valid session and owner", () => {
    expect(problem(edit((o) => (o.session = "../x")))).toBe("no valid session id")
    expect(problem(edit((o) => (o.owner.id = "me")))).toBe("no valid owner or time")
    expect(problem(edit((o) => delete o.writtenAt))).toBe("no valid owner or time")
    expect(problem(edit((o) => (o.sections = [])))).toBe("no sections")
  })
})
