/**
 * Slash commands the hooks offer (LongrunHook.commands), plumbed into OpenCode:
 * registered in its config from the plugin's `config` hook, run from
 * `command.execute.before`.
 *
 * OpenCode 1.18.33 runs a command as a prompt to the model: it expands the template,
 * calls `command.execute.before`, then prompts. The only way for a plugin to answer a
 * command itself is to show its text as a user message that the model never sees (a
 * text part with `ignored: true`, sent with `noReply: true`: no model call) and then
 * throw from `command.execute.before`, which ends the command before the prompt.
 */
import type { Hooks } from "@opencode-ai/plugin"
import type { Client, CommandSpec, LongrunHook } from "./hooks/types"
import type { Logger } from "./runtime/log"

/** The error that stops OpenCode from prompting the model after we handled a command. */
export const COMMAND_HANDLED = "opencode-longrun: command handled (its output is shown above; nothing was sent to the model)"
const SHOW_TIMEOUT_MS = 5_000

type BeforeHandler = NonNullable<Hooks["command.execute.before"]>

export interface CommandDeps {
  hooks: LongrunHook[]
  /** commands the plugin itself offers (e.g. longrun-status) */
  extra?: Record<string, CommandSpec>
  client: Client
  logger: Logger
  /** how to show a command's text; default: an ignored user message (see above) */
  show?: (sessionID: string, text: string) => Promise<void>
  /** runs fn once OpenCode is up (client calls made while it loads plugins can stall); default: now */
  whenReady?: (fn: () => void) => void
}

export interface CommandPlumbing {
  names: string[]
  /** Adds every command to OpenCode's config (called from the plugin's `config` hook). */
  register: (config: unknown) => void
  /** The plugin's `command.execute.before`: runs our commands, passes others to `next`. */
  execute: (next?: BeforeHandler) => BeforeHandler
}

export function createCommands(deps: CommandDeps): CommandPlumbing {
  const { logger } = deps
  const specs = new Map<string, { owner: string; spec: CommandSpec }>()
  for (const hook of deps.hooks) {
    for (const [name, spec] of Object.entries(hook.commands ?? {})) {
      if (specs.has(name)) logger.log("warn", `opencode-longrun: command /${name} offered twice; ${hook.name}'s ignored`)
      else specs.set(name, { owner: hook.name, spec })
    }
  }
  for (const [name, spec] of Object.entries(deps.extra ?? {})) if (!specs.has(name)) specs.set(name, { owner: "core", spec })
  const show = deps.show ?? ((sessionID, text) => showIgnored(deps.client, sessionID, text))
  const whenReady = deps.whenReady ?? ((fn: () => void) => fn())

  // Names the user defined themselves (in opencode.json or a command file): theirs run, not ours.
  const users = new Set<string>()
  const ours = (name: string, spec: CommandSpec) => ({ template: `/${name} $ARGUMENTS`, description: spec.description })
  const isOurs = (name: string, spec: CommandSpec, def: unknown) => {
    const mine = ours(name, spec)
    const d = def as { template?: unknown; description?: unknown }
    return d.template === mine.template && d.description === mine.description
  }

  return {
    names: [...specs.keys()],
    register(config) {
      if (!config || typeof config !== "object") return
      const c = config as { command?: Record<string, unknown> }
      if (!c.command || typeof c.command !== "object") c.command = {}
      users.clear()
      for (const [name, { spec }] of specs) {
        const def = Object.hasOwn(c.command, name) ? c.command[name] : undefined
        if (def === undefined || def === null) c.command[name] = ours(name, spec)
        else if (!isOurs(name, spec, def)) {
          // The user's own definition of the same name wins, in the config and when it runs.
          users.add(name)
          whenReady(() => logger.log("info", `/${name} is yours (defined in your config); the plugin's is not used`))
        }
      }
    },
    execute(next) {
      return async (input, output) => {
        const name = typeof input?.command === "string" ? input.command : undefined
        const found = name !== undefined && !users.has(name) ? specs.get(name) : undefined
        if (!found) {
          await next?.(input, output)
          return
        }
        let text: string
        try {
          text = await found.spec.run(input.sessionID, typeof input.arguments === "string" ? input.arguments.trim() : "")
        } catch (err) {
          logger.hookError(found.owner, `/${input.command}`, err)
          text = `/${input.command} failed: ${err instanceof Error ? err.message : String(err)}`
        }
        try {
          await show(input.sessionID, text)
        } catch (err) {
          logger.hookError(found.owner, `/${input.command} output`, err)
        }
        // Deliberately thrown to OpenCode: it is what keeps the command from reaching the model.
        throw new Error(COMMAND_HANDLED)
      }
    },
  }
}

/** Shows text in the session as a user message the model never sees, without a model call. */
async function showIgnored(client: Client, sessionID: string, text: string): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`session.prompt did not answer within ${SHOW_TIMEOUT_MS} ms`)), SHOW_TIMEOUT_MS)
    timer.unref?.()
  })
  try {
    await Promise.race([
      client.session.prompt({
        path: { id: sessionID },
        body: { noReply: true, parts: [{ type: "text", text, ignored: true }] } as never,
      }),
      timeout,
    ])
  } finally {
    clearTimeout(timer)
  }
}
