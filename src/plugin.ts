import type { Hooks, Plugin, PluginInput } from "@opencode-ai/plugin"
import { ModelLimits } from "./cache/model-limits"
import { SessionStore } from "./cache/session-store"
import { TimerOwner } from "./cache/timers"
import { countClientCalls } from "./client-calls"
import { createCommands } from "./commands"
import { HOOK_FACTORIES } from "./hooks/registry"
import type { HookContext, HostConfig, LongrunHook, PluginHandlers } from "./hooks/types"
import { Logger } from "./log"
import { isHookEnabled, parseOptions } from "./options"
import { EventRouter } from "./router"
import { buildStatus, formatBytes, renderStatus } from "./status/report"
import { createStatusTool } from "./status/tool"

export interface PluginInternals {
  ctx: HookContext
  router: EventRouter
  hooks: LongrunHook[]
  status: () => ReturnType<typeof buildStatus>
}

/** Builds the plugin's state and handlers. Exposed for tests and benchmarks. */
export async function createLongrun(
  input: PluginInput,
  rawOptions?: unknown,
  overrides: { now?: () => number; factories?: typeof HOOK_FACTORIES } = {},
): Promise<{ hooks: Hooks; internals: PluginInternals }> {
  const now = overrides.now ?? Date.now
  const { options, problems } = parseOptions(rawOptions)
  const counted = countClientCalls(input.client)
  const logger = new Logger(counted.client, { errorIntervalMs: options.error_log_interval_ms, now })
  const store = new SessionStore({
    ttlMs: options.session_ttl_ms,
    maxSessions: options.max_sessions,
    messageCap: options.message_cap,
    messageCapHysteresis: options.message_cap_hysteresis,
    now,
    onReleaseError: (hook, err) => logger.hookError(hook, "session release", err),
  })
  const timers = new TimerOwner()
  const router = new EventRouter(store, logger, now)
  const limits = new ModelLimits(() => counted.client.config.providers())
  const host: HostConfig = { autoCompaction: true, editDenied: false, editDeniedAgents: new Set() }
  const ctx: HookContext = {
    input,
    client: counted.client,
    clientCalls: counted.counts,
    options,
    store,
    limits,
    host,
    logger,
    timers,
    now,
  }

  // The core learns each request's model limit and agent before any hook runs.
  const core: LongrunHook = {
    name: "core",
    handlers: {
      "chat.params": async (input) => {
        const providerID = input.provider?.info?.id ?? input.model?.providerID
        const modelID = input.model?.id
        if (!providerID || !modelID) return
        limits.learn(providerID, modelID, input.model)
        const entry = store.touch(input.sessionID)
        if (input.agent !== "compaction" && input.agent !== "title" && input.agent !== "summary") {
          entry.agent = input.agent
          entry.providerID = providerID
          entry.modelID = modelID
        }
      },
    },
    caches: () => [{ name: "model-limits", entries: limits.size, bytes: limits.size * 160 }],
  }
  const hooks: LongrunHook[] = []
  for (const [name, factory] of overrides.factories ?? HOOK_FACTORIES) {
    if (isHookEnabled(options, name)) hooks.push(factory(ctx))
  }
  for (const hook of hooks) {
    for (const [type, handler] of Object.entries(hook.events ?? {})) router.on(hook.name, type, handler)
  }

  const status = () =>
    buildStatus({ store, options, hooks: [core, ...hooks], clientCalls: counted.counts, events: router.seen, now })

  // Client calls made while OpenCode is still loading plugins can stall, so the
  // options report waits for the first event, when the server is surely up.
  if (problems.length > 0) {
    const text = problems.map((p) => p.message).join("; ")
    router.onFirstEvent(() => {
      logger.log("warn", `invalid options: ${text}`, { problems })
      logger.toast(`opencode-longrun: ${text}`, "warning", "longrun options", 10_000)
    })
  }

  timers.setInterval(() => {
    router.run("store", "sweep", () => {
      const removed = store.sweep()
      if (store.size > 0 || removed > 0) {
        const r = status()
        logger.log(
          "debug",
          `sweep: ${removed} expired, ${r.store.sessions} sessions, ~${formatBytes(r.retainedBytes)} retained`,
          { caches: r.caches },
        )
      }
    })
  }, options.sweep_interval_ms)

  // Slash commands (src/commands.ts): registered in the config hook, run before OpenCode prompts.
  const commands = createCommands({
    hooks: [core, ...hooks],
    extra: {
      "longrun-status": {
        description: "opencode-longrun: show this session's status (not sent to the model)",
        run: (sessionID) => renderStatus(status(), sessionID),
      },
    },
    client: counted.client,
    logger,
  })

  const handlers: Hooks = {
    event: async (payload) => router.handle(payload),
    config: async (config) => {
      router.run("core", "config", () => readHostConfig(config, host))
      router.run("core", "commands", () => commands.register(config))
    },
    tool: { longrun_status: createStatusTool(status) },
    dispose: async () => {
      timers.clearAll()
      for (const hook of hooks) {
        try {
          await hook.dispose?.()
        } catch (err) {
          logger.hookError(hook.name, "dispose", err)
        }
      }
      store.clear()
      await router.flush()
    },
  }
  for (const hook of hooks) Object.assign(handlers.tool!, hook.tools ?? {})
  mergeHandlers(handlers, [core, ...hooks], logger)
  handlers["command.execute.before"] = commands.execute(handlers["command.execute.before"])
  return { hooks: handlers, internals: { ctx, router, hooks, status } }
}

/**
 * Chains each plugin handler (tool.execute.after, chat.params, ...) across hooks, in
 * hook order. A hook that throws is logged and skipped; the others still run and
 * OpenCode never sees the error.
 */
function mergeHandlers(target: Hooks, hooks: LongrunHook[], logger: Logger): void {
  const byKey = new Map<string, Array<{ hook: string; fn: (...args: unknown[]) => unknown }>>()
  for (const hook of hooks) {
    for (const [key, fn] of Object.entries(hook.handlers ?? {})) {
      if (typeof fn !== "function") continue
      const list = byKey.get(key) ?? []
      list.push({ hook: hook.name, fn: fn as (...args: unknown[]) => unknown })
      byKey.set(key, list)
    }
  }
  for (const [key, list] of byKey) {
    ;(target as Record<string, unknown>)[key] = async (...args: unknown[]) => {
      for (const { hook, fn } of list) {
        try {
          await fn(...args)
        } catch (err) {
          logger.hookError(hook, key, err)
        }
      }
    }
  }
}

/** Reads the parts of OpenCode's config the plugin must respect. */
function readHostConfig(config: unknown, host: HostConfig): void {
  const c = config as
    | {
        compaction?: { auto?: unknown; reserved?: unknown }
        permission?: { edit?: unknown }
        agent?: Record<string, { permission?: { edit?: unknown } } | undefined>
      }
    | undefined
  if (c?.compaction?.auto === false) host.autoCompaction = false
  if (typeof c?.compaction?.reserved === "number") host.compactionReserved = c.compaction.reserved
  if (c?.permission?.edit === "deny") host.editDenied = true
  for (const [name, agent] of Object.entries(c?.agent ?? {})) {
    if (agent?.permission?.edit === "deny") host.editDeniedAgents.add(name)
  }
}

export type { PluginHandlers }

export const LongrunPlugin: Plugin = async (input, options) => (await createLongrun(input, options)).hooks
