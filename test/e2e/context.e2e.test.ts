import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { longrunReport, startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence, type Reply } from "../../testkit/model-server"

// Context 20,000, output 2,000: OpenCode's own overflow point is 18,000 tokens.
// Usage climbs 40% -> 72% -> 82% -> 85%; the monitor warns at 70%, compaction fires at 80%.
const bash = (command: string, prompt_tokens: number): Reply => ({
  toolCalls: [{ name: "bash", args: { command, description: command } }],
  usage: { prompt_tokens, completion_tokens: 50 },
})
const replies: Reply[] = [
  bash("echo step-1", 8_000),
  bash("echo step-2", 14_400),
  bash("echo step-3", 16_400),
  bash("echo step-4", 17_000),
]
// After the compaction OpenCode continues the work; the model then checks status and stops.
const afterCompaction = sequence(
  [
    {
      toolCalls: [{ name: "longrun_status", args: { format: "json", scope: "all" } }],
      usage: { prompt_tokens: 2_500, completion_tokens: 20 },
    },
  ],
  { text: "All steps done.", usage: { prompt_tokens: 2_600, completion_tokens: 10 } },
)
let compactedSeen = false
const script = (req: Parameters<ReturnType<typeof sequence>>[0], ctx: Parameters<ReturnType<typeof sequence>>[1]) => {
  if (req.allText.includes("Here is the conversation so far") || req.allText.includes("## Summary")) compactedSeen = true
  if (compactedSeen || ctx.agentIndex >= replies.length) return afterCompaction(req, ctx)
  return replies[ctx.agentIndex]!
}

describe("context-window monitor and preemptive compaction in real OpenCode", () => {
  let oc: OpencodeHandle
  let sessionID: string

  beforeAll(async () => {
    oc = await startOpencode({
      script,
      limit: { context: 20_000, output: 2_000 },
      pluginOptions: {
        context_warning_thresholds: [0.7, 0.85],
        compaction_threshold: 0.8,
        disabled_hooks: ["todo-continuation"],
      },
    })
    const created = await oc.client.session.create({ body: { title: "context e2e" } })
    sessionID = created.data!.id
    await oc.client.session.promptAsync({
      path: { id: sessionID },
      body: { parts: [{ type: "text", text: "Run the four steps." }] },
    })
    await oc.waitForEvent(
      (e) =>
        e.type === "session.idle" &&
        e.properties.sessionID === sessionID &&
        oc.model.requests.some(
          (r) => r.allText.includes("All steps done") || r.toolResults.some((t) => t.content.includes('"clientCalls"')),
        ),
      120_000,
    )
    await oc.waitForIdle(
      sessionID,
      60_000,
      oc.events.findLastIndex((e) => e.type === "message.updated"),
    )
  }, 300_000)

  afterAll(async () => {
    await oc?.stop()
  })

  test("the agent's later requests carry the monitor's status line, and the user got a toast", () => {
    const agentTexts = oc.model.requests
      .filter((r) => r.kind === "agent")
      .map((r) => r.toolResults.map((t) => t.content).join("\n"))
    const withLine = agentTexts.filter((t) =>
      /\[opencode-longrun context note\] [\d,]+ of 20,000 tokens in use \(7\d% of the context window\)/.test(t),
    )
    expect(withLine.length).toBeGreaterThan(0)
    const toasts = oc.events.filter((e) => e.type === "tui.toast.show").map((e) => String(e.properties.message))
    expect(toasts.some((m) => /^Context 7\d% of the window used/.test(m))).toBe(true)
  })

  test("the session was compacted exactly once, by the plugin, before OpenCode's own overflow point", () => {
    const compactionRequests = oc.model.requests.filter((r) => r.isCompaction)
    expect(compactionRequests).toHaveLength(1)
    expect(compactionRequests[0]!.toolNames).toEqual([])
    const compacted = oc.events.filter((e) => e.type === "session.compacted" && e.properties.sessionID === sessionID)
    expect(compacted).toHaveLength(1)
    const maxReported = Math.max(
      ...oc
        .eventsFor(sessionID)
        .filter((e) => e.type === "message.updated" && e.properties.info?.role === "assistant" && !e.properties.info?.summary)
        .map((e) => e.properties.info.tokens?.input ?? 0),
    )
    expect(maxReported).toBeLessThan(18_000)
    expect(oc.logs()).toContain(`compacting session ${sessionID} (after-tool)`)
  })

  test("the agent continued its work after the compaction", () => {
    const idx = oc.model.requests.findIndex((r) => r.isCompaction)
    const after = oc.model.requests.slice(idx + 1).filter((r) => r.kind === "agent")
    expect(after.length).toBeGreaterThan(0)
    const texts = oc
      .eventsFor(sessionID)
      .filter((e) => e.type === "message.part.updated" && e.properties.part?.type === "text")
      .map((e) => String(e.properties.part.text))
    expect(texts.some((t) => t.includes("All steps done."))).toBe(true)
  })

  test("no hook read the session history: zero session.messages calls", () => {
    const report = longrunReport(oc)
    expect(report).toBeDefined()
    expect(report.clientCalls["session.summarize"]).toBe(1)
    expect(report.clientCalls["session.messages"]).toBeUndefined()
    const session = report.sessions.find((s: { id: string }) => s.id === sessionID)
    expect(session.epoch).toBe(1)
  })
})
