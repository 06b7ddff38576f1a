import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { MODEL_ID, PROVIDER_ID, startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence, type RecordedRequest, type Reply } from "../../testkit/model-server"

// Three user turns that re-read a file a command changes, rerun an identical (protected)
// command, and rewrite a generated file; then a compaction; then one more turn.
const body = (tag: string, n = 60) =>
  `${Array.from({ length: n }, (_, i) => `${tag} line ${i} padded to a useful length for the test`).join("\n")}\n`
const call = (name: string, args: Record<string, unknown>): Reply => ({ toolCalls: [{ name, args }] })
const FILES = { "a.txt": body("alpha-v1"), "b.txt": body("bravo"), "big.txt": body("bash-output", 40) }
const replies: Reply[] = [
  // turn 1
  call("read", { filePath: "a.txt" }),
  call("bash", { command: "cat big.txt", description: "show" }),
  call("bash", { command: "cat big.txt", description: "show" }),
  call("write", { filePath: "gen.txt", content: body("gen-1") }),
  { text: "Turn 1 done." },
  // turn 2
  call("bash", { command: "sed -i 's/alpha-v1/alpha-v2/' a.txt && echo changed", description: "change a" }),
  call("read", { filePath: "a.txt" }),
  call("read", { filePath: "a.txt" }),
  call("write", { filePath: "gen.txt", content: body("gen-2") }),
  call("read", { filePath: "gen.txt" }),
  { text: "Turn 2 done." },
  // turn 3
  call("read", { filePath: "b.txt" }),
  { text: "Turn 3 done." },
  // after the compaction
  call("read", { filePath: "a.txt" }),
  { text: "Turn 4 done." },
]

describe("context pruning in real OpenCode", () => {
  let oc: OpencodeHandle
  let sessionID: string
  let agent: RecordedRequest[]
  let storedBefore: any[]
  let compaction: RecordedRequest | undefined

  beforeAll(async () => {
    oc = await startOpencode({
      files: FILES,
      limit: { context: 200_000, output: 4_000 },
      pluginOptions: { pruning_protected_tools: ["bash"], disabled_hooks: ["todo-continuation", "preemptive-compaction"] },
      script: sequence(replies), // after the compaction the first user message is no longer "Turn 1"
    })
    for (let turn = 1; turn <= 3; turn++)
      sessionID = await oc.runPrompt(`Turn ${turn}: work.`, { sessionID: turn === 1 ? undefined : sessionID, timeoutMs: 60_000 })
    storedBefore = (await oc.client.session.messages({ path: { id: sessionID } })).data as any[]
    const since = oc.mark()
    const sum = await oc.client.session.summarize({
      path: { id: sessionID },
      body: { providerID: PROVIDER_ID, modelID: MODEL_ID },
    })
    if (sum.error) throw new Error(`summarize failed: ${JSON.stringify(sum.error)}`)
    await oc.waitForEvent((e) => e.type === "session.compacted" && e.properties.sessionID === sessionID, 60_000, since)
    await oc.waitForIdle(sessionID, 30_000, since).catch(() => undefined)
    await oc.runPrompt("Turn 4: work.", { sessionID, timeoutMs: 60_000 })
    agent = oc.model.requests.filter((r) => r.kind === "agent" && r.sessionID === sessionID)
    compaction = oc.model.requests.find((r) => r.kind === "compaction")
  }, 240_000)

  afterAll(async () => {
    await oc?.stop()
  })

  const resultOf = (req: RecordedRequest, callID: string) => req.toolResults.find((t) => t.toolCallId === callID)?.content
  const callsOf = (req: RecordedRequest, name: string) => req.priorToolCalls.filter((c) => c.name === name)
  /** the request that starts turn 3 (its last message is the user's) */
  const turn3 = () =>
    agent.find((r) => r.lastUserText.startsWith("Turn 3") && r.messages[r.messages.length - 1]?.role === "user")!

  test("stale copies are left out of what the model is sent; new identical copies are references", () => {
    const req = turn3()
    const reads = callsOf(req, "read").filter((c) => c.args.includes("a.txt"))
    expect(reads).toHaveLength(3) // turn 1's read and turn 2's two reads
    expect(resultOf(req, reads[0]!.id)).toMatch(/^\[longrun\] Pruned: an older read of a\.txt/)
    expect(resultOf(req, reads[1]!.id)).toContain("alpha-v2 line 59")
    expect(resultOf(req, reads[2]!.id)).toMatch(/^\[longrun\] a\.txt is unchanged: exactly what the earlier read call/)
    const writes = callsOf(req, "write")
    expect(JSON.parse(writes[0]!.args).content).toMatch(/^\[longrun: [\d,]+ chars left out; gen\.txt was written again later/)
    expect(JSON.parse(writes[1]!.args).content).toBe(body("gen-2"))
    const genRead = callsOf(req, "read").find((c) => c.args.includes("gen.txt"))!
    expect(resultOf(req, genRead.id)).toContain("exactly the content written by the earlier write call")
  })

  test("the newest content of each file read is still sent, once", () => {
    const req = turn3()
    const text = req.toolResults.map((t) => t.content).join("\n") + req.priorToolCalls.map((c) => c.args).join("\n")
    expect(text.split("alpha-v2 line 7 ").length - 1).toBe(1)
    expect(text.split("alpha-v1 line 7 ").length - 1).toBe(0)
    expect(text.split("gen-2 line 7 ").length - 1).toBe(1)
    expect(text.split("bravo line 7 ").length - 1).toBe(0) // b.txt is read in this turn, after this request
    const last = agent.filter((r) => r.lastUserText.startsWith("Turn 3")).at(-1)!
    const lastText = last.toolResults.map((t) => t.content).join("\n")
    expect(lastText.split("bravo line 7 ").length - 1).toBe(1)
  })

  test("a protected tool is never pruned, even when its outputs are identical", () => {
    for (const req of agent) {
      for (const c of callsOf(req, "bash").filter((c) => c.args.includes("cat big.txt"))) {
        expect(resultOf(req, c.id)).toBe(FILES["big.txt"])
      }
    }
  })

  test("the stored session keeps every original output: what the model was first sent, never a placeholder", async () => {
    const stored = (await oc.client.session.messages({ path: { id: sessionID } })).data as any[]
    // The history before the compaction is unchanged by everything after it.
    expect(JSON.stringify(stored.slice(0, storedBefore.length))).toBe(JSON.stringify(storedBefore))
    const tools = stored.flatMap((m) => m.parts).filter((p: any) => p.type === "tool")
    expect(tools.length).toBeGreaterThanOrEqual(10)
    expect(JSON.stringify(stored)).not.toContain("[longrun")
    for (const p of tools) {
      const first = agent.find((r) => resultOf(r, p.callID) !== undefined)
      if (!first) continue
      const sent = resultOf(first, p.callID)!
      const kept = p.state.output ?? p.state.error
      if (sent.startsWith("[longrun]")) {
        // A reference from the start: the stored part still has the whole output it stands for.
        expect(kept.startsWith("<path>")).toBe(true)
        expect(kept.length).toBeGreaterThan(3_000)
      } else expect({ call: p.callID, sent }).toEqual({ call: p.callID, sent: kept })
      const call = first.priorToolCalls.find((c) => c.id === p.callID)!
      expect(JSON.parse(call.args)).toEqual(p.state.input)
    }
  })

  test("compaction still works with pruning on, and summarises the pruned history", () => {
    expect(compaction).toBeDefined()
    expect(compaction!.allText).toContain("[longrun] Pruned: an older read of a.txt")
    // OpenCode shortens long results in the text it summarises; the newest copy is there in full otherwise.
    expect(compaction!.allText).toContain("1: alpha-v2 line 0 ")
    expect(compaction!.allText).not.toContain("alpha-v1 line")
    const after = agent.filter((r) => r.lastUserText.startsWith("Turn 4"))
    if (after.length < 2)
      throw new Error(
        `turn 4 requests: ${after.length}; agent requests: ${agent.map((r) => r.lastUserText.slice(0, 20)).join(" | ")}`,
      )
    const lastRead = callsOf(after.at(-1)!, "read").at(-1)!
    expect(resultOf(after.at(-1)!, lastRead.id)).toContain("alpha-v2 line 59")
    expect(after.at(-1)!.allText).not.toContain("alpha-v1 line")
  })
})
