import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { longrunReport, startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence, type Reply } from "../../testkit/model-server"

const TOOL_STEPS = 30
const echo = (i: number): Reply => ({
  toolCalls: [{ name: "bash", args: { command: `echo step-${i}`, description: `step ${i}` } }],
  usage: { prompt_tokens: 1_000 + i * 10, completion_tokens: 20 },
})
const replies: Reply[] = [
  { toolCalls: [{ name: "longrun_status", args: {} }], usage: { prompt_tokens: 900, completion_tokens: 10 } },
  {
    toolCalls: [{ name: "todowrite", args: { todos: [{ content: "run the steps", status: "in_progress", priority: "high" }] } }],
  },
  ...Array.from({ length: TOOL_STEPS }, (_, i) => echo(i)),
  { toolCalls: [{ name: "todowrite", args: { todos: [{ content: "run the steps", status: "completed", priority: "high" }] } }] },
  { toolCalls: [{ name: "longrun_status", args: { format: "json", scope: "all" } }] },
  { text: "Finished.", usage: { prompt_tokens: 1_500, completion_tokens: 5 } },
]

describe("foundation in real OpenCode: loading, events into the store, bad options, no history reads", () => {
  let oc: OpencodeHandle
  let sessionID: string
  let report: any

  beforeAll(async () => {
    oc = await startOpencode({
      script: sequence(replies),
      // Bad on purpose: one wrong type, one unknown hook name. The rest must still apply.
      pluginOptions: {
        session_ttl_ms: "soon",
        disabled_hooks: ["todo-continuation", "no-such-hook"],
        message_cap: 20,
        message_cap_hysteresis: 5,
      },
    })
    sessionID = await oc.runPrompt("Run the steps.", { timeoutMs: 120_000 })
    report = longrunReport(oc)
  }, 240_000)

  afterAll(async () => {
    await oc?.stop()
  })

  test("the plugin loads: longrun_status is offered, callable, and its output reaches the next request", () => {
    expect(oc.model.requests.find((r) => r.kind === "agent")!.toolNames).toContain("longrun_status")
    const second = oc.model.requests.filter((r) => r.kind === "agent")[1]!
    const table = second.toolResults.map((t) => t.content).join("\n")
    expect(table).toContain("opencode-longrun status at")
    expect(table).toMatch(/sessions\s+1\s+/)
  })

  test("bad options give one clear message naming the key (log and toast), and the session completes", () => {
    const log = oc.logs()
    expect(log).toContain('option \\"session_ttl_ms\\" is invalid')
    expect(log).toContain('unknown hook name(s) in \\"disabled_hooks\\": no-such-hook')
    const toasts = oc.events.filter((e) => e.type === "tui.toast.show" && String(e.properties.message).includes("session_ttl_ms"))
    expect(toasts).toHaveLength(1)
    expect(
      oc.eventsFor(sessionID).some((e) => e.type === "message.part.updated" && e.properties.part?.text === "Finished."),
    ).toBe(true)
    // the valid options still applied
    expect(report.store.ttlMs).toBe(1_800_000)
  })

  test("events from the real session reach the store with the fields the hooks need", () => {
    const s = report.sessions.find((x: { id: string }) => x.id === sessionID)
    expect(s.agent).toBe("build")
    expect(s.model).toBe("scripted/scripted-model")
    expect(s.todos).toEqual({ done: 1, total: 1 })
    expect(s.usage.total).toBeGreaterThan(1_000)
    expect(s.toolOutputBytes).toBeGreaterThan(TOOL_STEPS * 6)
    // 35 assistant messages plus the user's: capped at 20 + 5 with an anchor
    expect(s.messages).toBeLessThanOrEqual(25)
    expect(s.messagesTrimmed).toBeGreaterThan(0)
    expect(s.anchor).toMatch(/^msg_/)
    expect(report.events["message.part.updated"]).toBeGreaterThan(TOOL_STEPS)
  })

  test(`no hook calls session.messages() while the session runs ${TOOL_STEPS} tool calls`, () => {
    expect(report.clientCalls["session.messages"]).toBeUndefined()
    // the wrapper does count calls: the options report went through app.log and tui.showToast
    expect(report.clientCalls["app.log"]).toBeGreaterThan(0)
    expect(report.clientCalls["tui.showToast"]).toBeGreaterThan(0)
  })
})
