import { describe, expect, test } from "bun:test"
import { COMMAND_HANDLED, createCommands } from "../../src/commands"
import type { LongrunHook } from "../../src/hooks/types"
import { Logger } from "../../src/runtime/log"
import { fakeClient } from "../../testkit/fake-client"
import { ev } from "../../testkit/events"
import { pluginHarness } from "../../testkit/plugin-harness"

function setup(hooks: LongrunHook[], extra = {}) {
  const fake = fakeClient()
  const logger = new Logger(fake.client, { errorIntervalMs: 0, now: () => 0 })
  const commands = createCommands({ hooks, extra, client: fake.client, logger })
  return { fake, commands }
}

const stopHook: LongrunHook = {
  name: "todo-continuation",
  commands: { "longrun-stop": { description: "stop", run: (sid, args) => `stopped ${sid} ${args}` } },
}

describe("slash command plumbing", () => {
  test("registers every hook's command in OpenCode's config, keeping the user's own", () => {
    const { commands } = setup([stopHook], { "longrun-status": { description: "status", run: () => "s" } })
    const config: { command?: Record<string, unknown> } = { command: { "longrun-status": { template: "mine" } } }
    commands.register(config)
    expect(config.command!["longrun-stop"]).toEqual({ template: "/longrun-stop $ARGUMENTS", description: "stop" })
    expect(config.command!["longrun-status"]).toEqual({ template: "mine" })
    commands.register(undefined) // never throws on odd input
  })

  test("runs our command, shows its text as an ignored message with no reply, then stops the prompt", async () => {
    const { fake, commands } = setup([stopHook])
    const run = commands.execute()
    const output = { parts: [] }
    await expect(run({ command: "longrun-stop", sessionID: "ses_1", arguments: " now " }, output)).rejects.toThrow(
      COMMAND_HANDLED,
    )
    const [call] = fake.named("session.prompt")
    expect(call!.args).toEqual({
      path: { id: "ses_1" },
      body: { noReply: true, parts: [{ type: "text", text: "stopped ses_1 now", ignored: true }] },
    })
  })

  test("passes other commands to the hooks' own handlers untouched", async () => {
    const { fake, commands } = setup([stopHook])
    const seen: string[] = []
    const run = commands.execute(async (input) => void seen.push(input.command))
    await run({ command: "review", sessionID: "ses_1", arguments: "" }, { parts: [] })
    expect(seen).toEqual(["review"])
    expect(fake.named("session.prompt")).toHaveLength(0)
  })

  test("a failing command still shows why, and still never reaches the model", async () => {
    const broken: LongrunHook = {
      name: "background-agents",
      commands: {
        "longrun-cancel": {
          description: "x",
          run: () => {
            throw new Error("boom")
          },
        },
      },
    }
    const { fake, commands } = setup([broken])
    await expect(commands.execute()({ command: "longrun-cancel", sessionID: "s", arguments: "" }, { parts: [] })).rejects.toThrow(
      COMMAND_HANDLED,
    )
    expect(JSON.stringify(fake.named("session.prompt")[0]!.args)).toContain("/longrun-cancel failed: boom")
  })

  test("the plugin registers /longrun-status and answers it with this session's report", async () => {
    const h = await pluginHarness({ sidebar_interval_ms: 3_600_000 })
    const config: Record<string, any> = {}
    await h.hooks.config!(config as never)
    expect(config.command["longrun-status"].description).toContain("not sent to the model")
    await h.chatParams("ses_s", { context: 20_000 })
    await expect(
      h.hooks["command.execute.before"]!({ command: "longrun-status", sessionID: "ses_s", arguments: "" }, { parts: [] }),
    ).rejects.toThrow(COMMAND_HANDLED)
    const shown = JSON.stringify(h.fake.named("session.prompt")[0]!.args)
    expect(shown).toContain("opencode-longrun status at")
    expect(shown).toContain("ses_s")
  })

  test("a user's own command of our name runs as the user's: the plugin leaves it alone", async () => {
    const h = await pluginHarness({ disabled_hooks: ["sidebar"] })
    const config: Record<string, any> = { command: { "longrun-status": { template: "MY OWN $ARGUMENTS" }, "longrun-stop": null } }
    await h.hooks.config!(config as never)
    expect(config.command["longrun-status"]).toEqual({ template: "MY OWN $ARGUMENTS" })
    const output = { parts: [] }
    await h.hooks["command.execute.before"]!({ command: "longrun-status", sessionID: "ses_s", arguments: "x" }, output)
    expect(output.parts).toEqual([])
    expect(h.fake.named("session.prompt")).toHaveLength(0)
    // Ours that the user did not define still run; a null entry is no definition.
    await expect(
      h.hooks["command.execute.before"]!({ command: "longrun-stop", sessionID: "ses_s", arguments: "" }, { parts: [] }),
    ).rejects.toThrow(COMMAND_HANDLED)
    await h.send(ev.idle("ses_s")) // the note waits for OpenCode to be up
    expect(h.fake.logs().some((l) => l.message.includes("/longrun-status is yours"))).toBe(true)
  })

  test("a config read again keeps our own entries ours", async () => {
    const { fake, commands } = setup([stopHook])
    const config: { command?: Record<string, unknown> } = {}
    commands.register(config)
    commands.register(structuredClone(config))
    await expect(commands.execute()({ command: "longrun-stop", sessionID: "s", arguments: "" }, { parts: [] })).rejects.toThrow(
      COMMAND_HANDLED,
    )
    expect(fake.named("session.prompt")).toHaveLength(1)
  })
})
