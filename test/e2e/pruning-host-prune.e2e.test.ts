import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence, type RecordedRequest, type Reply } from "../../testkit/model-server"

// OpenCode's own `compaction.prune` clears old tool outputs in storage once a turn's loop
// ends (it keeps the last two user turns and the newest ~40,000 tokens of tool output). A
// reference the plugin made to an earlier identical copy must never outlive that copy.
const file = (tag: string) =>
  `${Array.from({ length: 900 }, (_, i) => `${tag} line ${i} padded to a useful length`).join("\n")}\n`
const FILLERS = ["f2", "f3", "f4", "f5", "f6", "f7"]
const FILES: Record<string, string> = { "big1.txt": file("big1"), "small.txt": "small\n" }
for (const f of FILLERS) FILES[`${f}.txt`] = file(f)
const read = (filePath: string): Reply => ({ toolCalls: [{ name: "read", args: { filePath } }] })
const replies: Reply[] = [
  read("big1.txt"),
  ...FILLERS.map((f) => read(`${f}.txt`)),
  { text: "Turn 1 done." },
  read("big1.txt"), // the same content again: a reference to the first read
  { text: "Turn 2 done." },
  read("small.txt"),
  { text: "Turn 3 done." },
  read("small.txt"),
  { text: "Turn 4 done." },
]

describe("context pruning beside OpenCode's compaction.prune", () => {
  let oc: OpencodeHandle
  let agent: RecordedRequest[]

  beforeAll(async () => {
    oc = await startOpencode({
      files: FILES,
      limit: { context: 1_000_000, output: 4_000 },
      pluginOptions: { disabled_hooks: ["todo-continuation", "preemptive-compaction"] },
      config: { compaction: { prune: true } },
      script: sequence(replies),
    })
    let sid: string | undefined
    for (let t = 1; t <= 4; t++) sid = await oc.runPrompt(`Turn ${t}: work.`, { sessionID: sid, timeoutMs: 60_000 })
    agent = oc.model.requests.filter((r) => r.kind === "agent" && r.sessionID === sid)
  }, 180_000)

  afterAll(async () => {
    await oc?.stop()
  })

  const reads = (req: RecordedRequest) => req.priorToolCalls.filter((c) => c.name === "read" && c.args.includes("big1.txt"))
  const resultOf = (req: RecordedRequest, id: string) => req.toolResults.find((t) => t.toolCallId === id)?.content ?? ""

  test("turn 2: the second read of an unchanged file is a reference to the first, still sent in full", () => {
    const req = agent.filter((r) => r.lastUserText.startsWith("Turn 2")).at(-1)!
    const [first, second] = reads(req)
    expect(resultOf(req, first!.id)).toContain("big1 line 899")
    expect(resultOf(req, second!.id)).toMatch(/^\[longrun\] big1\.txt is unchanged: exactly what the earlier read call/)
  })

  test("once OpenCode cleared the first copy, the reference is undone: the content is sent where it still can be", () => {
    const req = agent.filter((r) => r.lastUserText.startsWith("Turn 4"))[0]!
    const [first, second] = reads(req)
    // OpenCode's prune cleared the first read (this is what makes the test meaningful)...
    expect(resultOf(req, first!.id)).toBe("[Old tool result content cleared]")
    // ...so the second copy is the only one left, in full.
    expect(resultOf(req, second!.id)).toContain("big1 line 899")
  })

  test("in every request, every reference points at a copy that request sends in full", () => {
    for (const req of agent) {
      for (const t of req.toolResults) {
        const m =
          /^\[longrun\] .*?(?:earlier identical \S+ call|earlier read call|earlier write call) (\S+?)(?:,| returned)/.exec(
            t.content,
          )
        if (!m) continue
        const holder = m[1]!
        const content = resultOf(req, holder)
        expect({
          holder,
          cleared: content === "[Old tool result content cleared]",
          ref: content.startsWith("[longrun]"),
        }).toEqual({
          holder,
          cleared: false,
          ref: false,
        })
      }
    }
  })
})
