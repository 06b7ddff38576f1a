import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { MODEL_ID, PROVIDER_ID, startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence, type RecordedRequest, type Reply } from "../../testkit/model-server"

// Two user turns with a pause past the cache's lifetime between them (the plugin is told the
// lifetime is 2 s, so a 2.5 s pause stands for a person away 12 minutes), then a recall of a
// left-out result, a compaction, and one more turn.
const TTL_MS = 2_000
const KEEP = 3
const body = (tag: string, n = 60) =>
  `${Array.from({ length: n }, (_, i) => `${tag} line ${i} padded to a useful length for the test`).join("\n")}\n`
const call = (name: string, args: Record<string, unknown>): Reply => ({ toolCalls: [{ name, args }] })
const FILES = { "a.txt": body("alpha-v1"), "b.txt": body("bravo"), "log.txt": body("log-output", 40) }
const recallArgs: { call?: string } = {}
const replies: Reply[] = [
  // turn 1
  call("read", { filePath: "a.txt" }),
  call("bash", { command: "cat log.txt", description: "show" }),
  call("bash", { command: "cat log.txt", description: "show" }),
  call("write", { filePath: "gen.txt", content: body("gen-1") }),
  call("bash", { command: "sed -i 's/alpha-v1/alpha-v2/' a.txt && echo changed", description: "change a" }),
  call("read", { filePath: "b.txt" }),
  call("write", { filePath: "gen.txt", content: body("gen-2") }),
  { text: "Turn 1 done." },
  // turn 2 (after the pause)
  call("read", { filePath: "a.txt" }),
  { text: "Turn 2 done." },
]
const recallTurn: Reply[] = [{ toolCalls: [{ name: "longrun_recall", args: recallArgs }] }, { text: "Recalled." }]
const afterCompaction: Reply[] = [call("read", { filePath: "a.txt" }), { text: "Turn 4 done." }]

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
      pluginOptions: {
        prompt_cache_ttl_ms: TTL_MS,
        pruning_keep_recent: KEEP,
        disabled_hooks: ["todo-continuation", "preemptive-compaction"],
      },
      script: sequence([...replies, ...recallTurn, ...afterCompaction]),
    })
    sessionID = await oc.runPrompt("Turn 1: work.", { timeoutMs: 60_000 })
    await Bun.sleep(TTL_MS + 500) // OpenCode's own timestamps must show the pause
    await oc.runPrompt("Turn 2: work.", { sessionID, timeoutMs: 60_000 })
    // The model asks for the oldest left-out result back.
    const turn2 = oc.model.requests.filter((r) => r.kind === "agent" && r.lastUserText.startsWith("Turn 2"))[0]!
    const placeholder = turn2.toolResults.map((t) => t.content).find((c) => c.includes("longrun_recall"))!
    recallArgs.call = /longrun_recall \{"call":"([^"]+)"\}/.exec(placeholder)![1]
    await oc.runPrompt("Turn 3: recall it.", { sessionID, timeoutMs: 60_000 })
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
  const turn = (n: number) => agent.filter((r) => r.lastUserText.startsWith(`Turn ${n}`))

  test("within a turn nothing lossy happens while the cache is warm: each request extends the one before", () => {
    const t1 = turn(1)
    expect(t1.length).toBeGreaterThanOrEqual(8)
    for (let i = 1; i < t1.length; i++) {
      const prev = t1[i - 1]!.messages.map((m) => JSON.stringify(m))
      const cur = t1[i]!.messages.map((m) => JSON.stringify(m))
      // OpenCode itself keeps every earlier message byte-identical; so does the plugin between moments.
      expect(cur.slice(0, prev.length - 1)).toEqual(prev.slice(0, -1))
    }
    // An identical output is a reference at once (the request's end only).
    const cats = t1.at(-1)!.priorToolCalls.filter((c) => c.args.includes("cat log.txt"))
    expect(resultOf(t1.at(-1)!, cats[1]!.id)).toMatch(/^\[longrun\] Same output as the earlier identical bash call/)
  })

  test("back after the pause, results older than the newest ones are left out at once, each saying how to recall it", () => {
    const first = turn(2)[0]!
    const results = first.toolResults
    expect(results.length).toBeGreaterThanOrEqual(7)
    for (const r of results.slice(-KEEP)) expect(r.content).not.toContain("[longrun] Left out")
    const old = results.slice(0, -KEEP).filter((r) => r.content.startsWith("[longrun] Left out"))
    expect(old.length).toBeGreaterThanOrEqual(3)
    for (const r of old) expect(r.content).toMatch(/longrun_recall \{"call":"[^"]+"\} returns it in full\./)
    const aRead = first.priorToolCalls.find((c) => c.name === "read" && c.args.includes("a.txt"))!
    expect(resultOf(first, aRead.id)).toMatch(
      /^\[longrun\] Left out: an older view of a\.txt .*The file changed after it \(bash call/,
    )
    const firstWrite = first.priorToolCalls.find((c) => c.name === "write")!
    expect(JSON.parse(firstWrite.args).content).toMatch(/^\[longrun: [\d,]+ chars left out; gen\.txt was changed again later/)
  })

  test("longrun_recall gives the model the original back from OpenCode's storage", () => {
    const after = turn(3).at(-1)!
    const recalled = after.toolResults.at(-1)!.content
    expect(recalled).toContain("<path>")
    expect(recalled).toContain("alpha-v1 line 59")
  })

  test("the stored session keeps every original: no placeholder ever reaches storage", async () => {
    const stored = (await oc.client.session.messages({ path: { id: sessionID } })).data as any[]
    expect(JSON.stringify(stored.slice(0, storedBefore.length))).toBe(JSON.stringify(storedBefore))
    const tools = stored.flatMap((m) => m.parts).filter((p: any) => p.type === "tool" && p.tool !== "longrun_recall")
    expect(tools.length).toBeGreaterThanOrEqual(9)
    expect(JSON.stringify(tools)).not.toContain("[longrun")
  })

  test("compaction still works with pruning on, and summarises the pruned history", () => {
    expect(compaction).toBeDefined()
    expect(compaction!.allText).toContain("[longrun] Left out")
    const after = turn(4)
    expect(after.length).toBeGreaterThanOrEqual(2)
    const lastRead = after
      .at(-1)!
      .priorToolCalls.filter((c) => c.name === "read")
      .at(-1)!
    expect(resultOf(after.at(-1)!, lastRead.id)).toContain("alpha-v2 line 59")
  })
})
