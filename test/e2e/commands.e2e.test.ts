/**
 * Slash commands through the real OpenCode server: the plugin registers /longrun-status
 * in OpenCode's config, and running it shows the report in the session without a
 * model call, and the model never sees it afterwards.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence } from "../../testkit/model-server"

let oc: OpencodeHandle
let sessionID: string
let commandResult: { error?: unknown; data?: unknown }
let requestsBefore = 0

beforeAll(async () => {
  oc = await startOpencode({
    script: sequence([{ text: "First reply." }, { text: "Second reply." }]),
  })
  sessionID = await oc.runPrompt("hello")
  requestsBefore = oc.model.agentRequests().length
  commandResult = (await oc.client.session.command({
    path: { id: sessionID },
    body: { command: "longrun-status", arguments: "" },
  })) as typeof commandResult
  await oc.runPrompt("after the command", { sessionID })
}, 300_000)

afterAll(async () => {
  await oc?.stop()
}, 30_000)

describe("slash commands", () => {
  test("OpenCode lists the plugin's command", async () => {
    const list = await oc.client.command.list()
    const names = (list.data ?? []).map((c: { name: string }) => c.name)
    expect(names).toContain("longrun-status")
  })

  test("/longrun-status makes no model call and ends as handled", () => {
    // the command itself added no request; the next prompt added exactly one
    expect(oc.model.agentRequests().length).toBe(requestsBefore + 1)
    // The plugin's throw is what stops the prompt; OpenCode reports it as a server error.
    expect(commandResult.error).toBeDefined()
    expect(commandResult.data).toBeUndefined()
  })

  test("the report is in the session as an ignored user message the model never sees", async () => {
    const msgs = await oc.client.session.messages({ path: { id: sessionID } })
    const parts = (msgs.data ?? []).flatMap((m: any) => m.parts ?? [])
    const report = parts.find((p: any) => p.type === "text" && String(p.text).includes("opencode-longrun status at"))
    expect(report).toBeDefined()
    expect(report.ignored).toBe(true)
    const last = oc.model.agentRequests().at(-1)!
    expect(JSON.stringify(last.body)).not.toContain("opencode-longrun status at")
    expect(last.lastUserText).toBe("after the command")
  })
})
