/**
 * Slash commands through the real OpenCode server: the plugin registers /longrun-status
 * in OpenCode's config, and running it shows the report in the session without a
 * model call, and the model never sees it afterwards. A user's own command of one of our
 * names (in opencode.json, or a command file) runs as the user wrote it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence } from "../../testkit/model-server"

let oc: OpencodeHandle
let sessionID: string
let commandResult: { error?: unknown; data?: unknown }
let requestsBefore = 0
/** the model's requests once the plugin's command and the next prompt ran (before the user's commands) */
let afterPrompt: ReturnType<OpencodeHandle["model"]["agentRequests"]> = []
const userCommand = { error: undefined as unknown, lastUserText: "" }
const userFileCommand = { error: undefined as unknown, lastUserText: "" }

/** Runs a command the user defined; returns what the model was sent for it. */
async function runUserCommand(command: string, into: typeof userCommand) {
  const before = oc.model.agentRequests().length
  const result = (await oc.client.session.command({ path: { id: sessionID }, body: { command, arguments: "now" } })) as {
    error?: unknown
  }
  into.error = result.error
  const requests = oc.model.agentRequests()
  into.lastUserText = requests.length > before ? requests.at(-1)!.lastUserText : ""
}

beforeAll(async () => {
  oc = await startOpencode({
    script: sequence([{ text: "First reply." }, { text: "Second reply." }]),
    // The user's own /longrun-stop, and /longrun-cancel from a command file: theirs must run.
    config: { command: { "longrun-stop": { template: "USER-STOP-MARKER $ARGUMENTS" } } },
    files: { ".opencode/command/longrun-cancel.md": "USER-CANCEL-MARKER $ARGUMENTS\n" },
  })
  sessionID = await oc.runPrompt("hello")
  requestsBefore = oc.model.agentRequests().length
  commandResult = (await oc.client.session.command({
    path: { id: sessionID },
    body: { command: "longrun-status", arguments: "" },
  })) as typeof commandResult
  await oc.runPrompt("after the command", { sessionID })
  afterPrompt = oc.model.agentRequests()
  await runUserCommand("longrun-stop", userCommand)
  await runUserCommand("longrun-cancel", userFileCommand)
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
    expect(afterPrompt.length).toBe(requestsBefore + 1)
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
    const last = afterPrompt.at(-1)!
    expect(JSON.stringify(last.body)).not.toContain("opencode-longrun status at")
    expect(last.lastUserText).toBe("after the command")
  })

  test("a user's own command of our name in opencode.json runs as the user wrote it", () => {
    expect(userCommand.error).toBeUndefined()
    expect(userCommand.lastUserText).toContain("USER-STOP-MARKER now")
  })

  test("so does one from a command file", () => {
    expect(userFileCommand.error).toBeUndefined()
    expect(userFileCommand.lastUserText).toContain("USER-CANCEL-MARKER now")
  })
})
