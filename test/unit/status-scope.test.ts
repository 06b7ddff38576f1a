/**
 * The session scope of longrun_status and /longrun-status: this session and its own
 * children, never another session's id or a task it started (issue 20, item 4). Through
 * the plugin's public entry with every hook that keeps per-session rows.
 */
import { describe, expect, test } from "bun:test"
import { COMMAND_HANDLED } from "../../src/commands"
import { ev } from "../../testkit/events"
import { pluginHarness } from "../../testkit/plugin-harness"

const KB = 1024
const bigDiff = { file: "build/out.bin", before: "a".repeat(4 * KB), after: "b".repeat(4 * KB), additions: 1, deletions: 1 }

async function twoFamilies() {
  let n = 0
  const h = await pluginHarness(
    { disabled_hooks: ["sidebar"], large_payload_warn_bytes: 1024, background_concurrency: 4 },
    { responders: { "session.create": () => ({ data: { id: `ses_otherkid${++n}` } }) } },
  )
  await h.send(ev.created("ses_me"))
  await h.send(ev.created("ses_mykid", "ses_me"))
  await h.send(ev.created("ses_other"))
  for (const id of ["ses_me", "ses_mykid", "ses_other"]) {
    await h.chatParams(id, { context: 20_000, output: 2_000 })
    await h.send(ev.assistant(id, `msg_${id}`, { input: 9_000 }))
    await h.send(ev.todos(id, [{ content: `todo of ${id}`, status: "pending" }]))
    await h.send(ev.user(id, `msg_u_${id}`, { summary: { diffs: [bigDiff] } }))
  }
  const ctx = (sessionID: string) => ({ sessionID, abort: new AbortController().signal }) as never
  await h.hooks.tool!.background_task!.execute({ description: "OTHER-SECRET-TASK", prompt: "p" } as never, ctx("ses_other"))
  await h.internals.router.flush()
  await h.clock.advance(5)
  await h.send(ev.created("ses_otherkid1", "ses_other"))
  const tool = async (args: Record<string, unknown>, sessionID = "ses_me") =>
    String(await h.hooks.tool!.longrun_status!.execute(args as never, ctx(sessionID)))
  const command = async (args: string, sessionID = "ses_me") => {
    const before = h.fake.named("session.prompt").length
    await expect(
      h.hooks["command.execute.before"]!({ command: "longrun-status", sessionID, arguments: args }, { parts: [] }),
    ).rejects.toThrow(COMMAND_HANDLED)
    const call = h.fake.named("session.prompt")[before]!.args as { body: { parts: Array<{ text: string }> } }
    return call.body.parts[0]!.text
  }
  return { h, tool, command }
}

describe("status scope", () => {
  test("the tool's default report names this session and its child, and no other session", async () => {
    const { tool } = await twoFamilies()
    const text = await tool({})
    expect(text).toContain("ses_me")
    expect(text).toContain("ses_mykid")
    expect(text).not.toContain("ses_other")
    expect(text).not.toContain("OTHER-SECRET-TASK")
  })

  test("the JSON form is scoped the same way", async () => {
    const { tool } = await twoFamilies()
    const json = await tool({ format: "json" })
    const report = JSON.parse(json)
    expect(report.sessions.map((s: { id: string }) => s.id).sort()).toEqual(["ses_me", "ses_mykid"])
    expect(json).not.toContain("ses_other")
    expect(json).not.toContain("OTHER-SECRET-TASK")
  })

  test("scope all, asked by the model, counts other sessions but still names none of them", async () => {
    const { tool } = await twoFamilies()
    for (const format of ["table", "json"]) {
      const text = await tool({ scope: "all", format })
      expect(text).toContain("ses_me")
      expect(text).not.toContain("ses_other")
      expect(text).not.toContain("OTHER-SECRET-TASK")
    }
    expect(await tool({ scope: "all" })).toContain("2 other sessions tracked")
  })

  test("the other session sees only its own rows and its own task", async () => {
    const { tool } = await twoFamilies()
    const text = await tool({}, "ses_other")
    expect(text).toContain("OTHER-SECRET-TASK")
    expect(text).toContain("ses_otherkid1")
    expect(text).not.toContain("ses_me")
    expect(text).not.toContain("ses_mykid")
  })

  test("/longrun-status shows this session; /longrun-status all shows the user every session", async () => {
    const { command } = await twoFamilies()
    const mine = await command("")
    expect(mine).toContain("ses_me")
    expect(mine).not.toContain("ses_other")
    const all = await command("all")
    expect(all).toContain("ses_other")
    expect(all).toContain("OTHER-SECRET-TASK")
    expect(all).toContain("ses_mykid")
  })
})
