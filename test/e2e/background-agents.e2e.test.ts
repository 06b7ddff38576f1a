import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { longrunReport, startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { bySession, sequence, type RecordedRequest, type Reply } from "../../testkit/model-server"

const task = (description: string, prompt: string) => ({ name: "background_task", args: { description, prompt } })
const ids = (text: string) => [...new Set(text.match(/bg_[a-z0-9]+/g) ?? [])]

// The parent: starts two tasks, stops; when the last notice wakes it, reads both results.
const parent = (req: RecordedRequest): Reply => {
  if (req.lastUserText.includes("All background tasks of this session are done")) {
    return {
      toolCalls: [
        ...ids(req.lastUserText).map((task_id) => ({ name: "background_output", args: { task_id } })),
        { name: "longrun_status", args: { format: "json", scope: "all" } },
      ],
    }
  }
  if (req.toolResults.some((t) => t.content.startsWith("Task bg_"))) return { text: "Read both results." }
  if (req.toolResults.some((t) => t.content.startsWith("Started background task"))) return { text: "Both started; waiting." }
  return { toolCalls: [task("alpha", "Child alpha: echo the alpha word."), task("beta", "Child beta: echo the beta word.")] }
}
const child = (word: string) =>
  sequence([
    { toolCalls: [{ name: "bash", args: { command: `echo ${word}-out`, description: word } }] },
    { text: `The ${word} result text.` },
  ])

describe("background agents in real OpenCode", () => {
  let oc: OpencodeHandle
  let parentID: string
  let report: any

  beforeAll(async () => {
    oc = await startOpencode({
      pluginOptions: { background_concurrency: 1, disabled_hooks: ["todo-continuation"] },
      script: bySession(
        [
          ["Child alpha", child("alpha")],
          ["Child beta", child("beta")],
          ["Child slow", sequence([{ toolCalls: [{ name: "bash", args: { command: "sleep 30", description: "slow" } }] }])],
          [
            "Launch a slow task",
            sequence([
              { toolCalls: [task("slow", "Child slow: sleep a while.")] },
              { text: "Launched." },
              { toolCalls: [{ name: "background_cancel", args: { task_id: "all" } }] },
              { text: "Cancelled." },
            ]),
          ],
          ["Delegate", parent],
        ],
        sequence([{ text: "?" }]),
      ),
    })
    parentID = await oc.runPrompt("Delegate the two tasks.")
    // The second completion wakes the parent, which reads the results and the status.
    await oc.model.waitForRequest(
      (r) => r.sessionID === parentID && r.toolResults.some((t) => t.content.includes('"clientCalls"')),
      60_000,
    )
    await oc.waitForIdle(
      parentID,
      30_000,
      oc.events.findLastIndex((e) => e.type === "message.updated"),
    )
    report = longrunReport(oc)
  }, 180_000)

  afterAll(async () => {
    await oc?.stop()
  })

  test("with a limit of one, the second task waited for the first", () => {
    const childReqs = oc.model.requests.filter((r) => r.kind === "agent" && /Child (alpha|beta)/.test(r.firstUserText))
    const lastAlpha = childReqs.findLastIndex((r) => r.firstUserText.includes("Child alpha"))
    const firstBeta = childReqs.findIndex((r) => r.firstUserText.includes("Child beta"))
    expect(lastAlpha).toBeGreaterThanOrEqual(0)
    expect(firstBeta).toBeGreaterThan(lastAlpha)
    // Each request repeats the history: distinct tool results only.
    const started = [
      ...new Set(
        oc.model.requests
          .flatMap((r) => r.toolResults)
          .map((t) => t.content)
          .filter((c) => c.startsWith("Started background task")),
      ),
    ]
    expect(started).toHaveLength(2)
    expect(started[1]).toContain("queued until a slot for its model is free")
  })

  test("both children really ran tool calls in their own child sessions", () => {
    const tasks = report.sections.find((s: any) => s.hook === "background-agents").data
    expect(tasks).toHaveLength(2)
    for (const t of tasks) {
      expect(t.status).toBe("completed")
      expect(t.parentID).toBe(parentID)
      expect(t.toolCalls).toBe(1)
      expect(t.lastTool).toBe("bash")
      const created = oc.events.find((e) => e.type === "session.created" && e.properties.info?.id === t.childID)
      expect(created?.properties.info.parentID).toBe(parentID)
    }
  })

  test("the parent received the completion notices, and its next request contained them", () => {
    const woken = oc.model.requests.find(
      (r) => r.sessionID === parentID && r.lastUserText.includes("All background tasks of this session are done"),
    )
    expect(woken?.allText).toMatch(/\[longrun\] Background task bg_\w+ \(alpha\) completed/)
    expect(woken?.allText).toContain("1 background task(s) of this session still running") // the first, noReply notice
    expect(woken?.lastUserText).toMatch(/\[longrun\] Background task bg_\w+ \(beta\) completed/)
  })

  test("background_output returned each result to the parent", () => {
    const outputs = oc.model.requests
      .flatMap((r) => r.toolResults)
      .map((t) => t.content)
      .filter((c) => c.startsWith("Task bg_"))
    expect(outputs.some((o) => o.includes("(alpha): completed") && o.includes("Result:\nThe alpha result text."))).toBe(true)
    expect(outputs.some((o) => o.includes("(beta): completed") && o.includes("Result:\nThe beta result text."))).toBe(true)
  })

  test("no session.messages call while tasks ran", () => {
    expect(report.clientCalls["session.messages"]).toBeUndefined()
    expect(report.clientCalls["session.create"]).toBe(2)
  })

  test("background_cancel stops a long task", async () => {
    const sid = await oc.runPrompt("Launch a slow task.")
    const slow = await oc.waitForEvent(
      (e) =>
        e.type === "message.part.updated" &&
        e.properties.part?.tool === "bash" &&
        e.properties.part.state?.input?.command === "sleep 30" &&
        e.properties.part.state.status === "running",
      20_000,
    )
    const childID = slow.properties.part.sessionID
    const mark = oc.mark()
    await oc.runPrompt("Now cancel it.", { sessionID: sid })
    const result = oc.model.requests
      .flatMap((r) => r.toolResults)
      .map((t) => t.content)
      .find((c) => c.startsWith("Cancelled bg_"))
    expect(result).toContain("(slow)")
    const aborted = await oc.waitForEvent((e) => e.type === "session.error" && e.properties.sessionID === childID, 10_000, mark)
    expect(aborted.properties.error.name).toBe("MessageAbortedError")
  }, 60_000)
})
