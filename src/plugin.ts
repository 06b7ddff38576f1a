import type { Hooks, Plugin, PluginInput } from "@opencode-ai/plugin"
import { ModelPrices } from "./bill/model-prices"
import { ingestChatParams } from "./cache/ingest"
import { ModelLimits } from "./cache/model-limits"
import { SessionStore } from "./cache/session-store"
import { createCommands } from "./commands"
import { type CompatGap, compatGaps, versionNextToBinary } from "./compat"
import { readHostConfig } from "./host-config"
import { HOOK_FACTORIES } from "./hooks/registry"
import type { HookContext, HostConfig, LongrunHook, PluginHandlers, StatusScope } from "./hooks/types"
import { Journal, journalRoot } from "./journal"
import { formatOptionProblems, isHookEnabled, parseOptions } from "./options"
import { EventRouter } from "./router"
import { type Clock, systemClock } from "./runtime/clock"
import { wrapClient } from "./runtime/client-calls"
import { Logger } from "./runtime/log"
import { mergeHandlers } from "./runtime/merge-handlers"
import { readSmallRegularFile } from "./runtime/read-small-file"
import { TimerOwner } from "./runtime/timers"
import { buildStatus, type Contributions, renderStatus } from "./status/report"
import { sessionScope } from "./status/scope"
import { createStatusTool } from "./status/tool"

/** Any client call without its own timeout. */
const CALL_TIMEOUT_MS = 15_000
/** dispose() waits at most this long for handlers still running. */
export const DISPOSE_WAIT_MS = 2_000
/** The journal's first read of its folder may hold up the plugin's start this long, no longer. */
const JOURNAL_OPEN_MS = 3_000

export interface PluginInternals {
  ctx: HookContext
  router: EventRouter
  hooks: LongrunHook[]
  /** the report for one session and its descendants; no session: every session (tests, bench) */
  status: (sessionID?: string) => ReturnType<typeof buildStatus>
}

/** Builds the plugin's state and handlers. Exposed for tests and benchmarks. */
export async function createLongrun(
  input: PluginInput,
  rawOptions?: unknown,
  overrides: { clock?: Clock; factories?: typeof HOOK_FACTORIES; hostVersion?: string } = {},
): Promise<{ hooks: Hooks; internals: PluginInternals }> {
  const clock = overrides.clock ?? systemClock
  const now = () => clock.now()
  const { options, problems } = parseOptions(rawOptions)
  const { client, stats: calls } = wrapClient(input.client, clock, {
    defaultTimeoutMs: CALL_TIMEOUT_MS,
    // summarize answers when the compaction is done: it gets the compaction's own time limit.
    timeouts: { "session.summarize": options.compaction_timeout_ms },
  })
  const logger = new Logger(client, { errorIntervalMs: options.error_log_interval_ms, now })
  const store = new SessionStore({
    ttlMs: options.session_ttl_ms,
    maxSessions: options.max_sessions,
    messageCap: options.message_cap,
    messageCapHysteresis: options.message_cap_hysteresis,
    clock,
    onReleaseError: (hook, err) => logger.hookError(hook, "session release", err),
    onTimerError: (err) => logger.hookError("timer", "session timer", err),
  })
  const timers = new TimerOwner(clock, (err) => logger.hookError("timer", "plugin timer", err))
  const router = new EventRouter(store, logger, now)
  const limits = new ModelLimits(() => client.config.providers(), now)
  const prices = new ModelPrices()
  const host: HostConfig = { autoCompaction: true, editDenied: false, editDeniedAgents: new Set() }
  const journal = new Journal(
    {
      enabled: options.journal,
      root: journalRoot(process.env, options.journal_dir || undefined),
      project: typeof input.project?.id === "string" && input.project.id.length > 0 ? input.project.id : "global",
      writeDelayMs: options.journal_write_delay_ms,
      ttlMs: options.journal_ttl_ms,
      maxSessions: options.journal_max_sessions,
      maxSessionBytes: options.journal_max_session_bytes,
    },
    { clock, timers, store, logger },
  )
  // Before the hooks exist: what it took over is handed back to them as their sessions appear.
  if (!(await settleWithin(journal.open(), JOURNAL_OPEN_MS, clock)))
    journal.giveUp(`its folder took over ${JOURNAL_OPEN_MS} ms to read`)
  router.onFirstEvent(() => journal.start())
  // A deleted session's journal goes even when the store had already let the session go.
  router.on("journal", "session.deleted", (ev) => journal.sessionDeleted(ev.sessionID))
  const ctx: HookContext = { input, client, calls, options, store, limits, prices, host, logger, clock, timers, now, journal }

  // The core learns each request's model limit and agent before any hook runs.
  const core: LongrunHook = {
    name: "core",
    handlers: { "chat.params": async (params) => ingestChatParams(store, limits, prices, params) },
    caches: () => [
      { name: "model-limits", entries: limits.size, bytes: limits.size * 160 },
      { name: "model-prices", entries: prices.size, bytes: prices.size * 120 },
    ],
    status: () =>
      offByHost.length === 0
        ? undefined
        : {
            title: `hooks off on OpenCode ${hostVersion}`,
            data: offByHost,
            text: offByHost.map((g) => `${g.hook}: ${g.reason}`).join("\n"),
          },
  }
  // Some OpenCode releases cannot carry some hooks (measured: see README "Compatibility"):
  // those stay off there, and longrun_status says why.
  const hostVersion = "hostVersion" in overrides ? overrides.hostVersion : readHostVersion()
  const offByHost: CompatGap[] = compatGaps({ version: hostVersion })
  const hooks: LongrunHook[] = []
  for (const [name, factory] of overrides.factories ?? HOOK_FACTORIES) {
    if (isHookEnabled(options, name) && !offByHost.some((g) => g.hook === name)) hooks.push(factory(ctx))
  }
  for (const hook of hooks) router.subscribe(hook.name, hook.events)

  const contributions = (scope: StatusScope | undefined): Contributions => {
    const out: Contributions = { caches: [], sections: [] }
    for (const hook of [core, ...hooks]) {
      try {
        out.caches.push(...(hook.caches?.() ?? []))
        const section = hook.status?.(scope)
        if (section) out.sections.push({ hook: hook.name, ...section })
      } catch (err) {
        logger.hookError(hook.name, "status", err)
      }
    }
    return out
  }
  // What a model reads is scoped to its own session: another session's ids and tasks never reach it.
  const status = (sessionID?: string) => {
    const scope = sessionID === undefined ? undefined : sessionScope(store, sessionID)
    const parts = contributions(scope)
    return buildStatus({ store, options, contributions: parts, clientCalls: calls.counts, events: router.seen, now, scope })
  }

  if (offByHost.length > 0) {
    router.onFirstEvent(() =>
      logger.log("warn", `OpenCode ${hostVersion}: ${offByHost.map((g) => `${g.hook} off (${g.reason})`).join("; ")}`),
    )
  }

  // Client calls made while OpenCode is still loading plugins can stall, so the
  // options report waits for the first event, when the server is surely up.
  if (problems.length > 0) {
    const text = formatOptionProblems(problems)
    router.onFirstEvent(() => {
      logger.log("warn", `invalid options:\n${text}`, { problems })
      logger.toast(`opencode-longrun options:\n${text}`, "warning", "longrun options", 10_000)
    })
  }

  timers.setInterval(() => {
    router.run("store", "sweep", () => {
      const removed = store.sweep()
      journal.sweep()
      // Cheap counters only: a full report (heap statistics) would block the event loop.
      if (removed > 0) logger.log("debug", `sweep: ${removed} expired, ${store.size} sessions left`)
    })
  }, options.sweep_interval_ms)

  // Slash commands (src/commands.ts): registered in the config hook, run before OpenCode prompts.
  const commands = createCommands({
    hooks: [core, ...hooks],
    extra: {
      "longrun-status": {
        description: "opencode-longrun: show this session's status (`all`: every session; not sent to the model)",
        // The text goes to the user only (an ignored part), so `all` may name every session.
        run: (sessionID, args) => renderStatus(status(args.toLowerCase() === "all" ? undefined : sessionID)),
      },
    },
    client,
    logger,
    whenReady: (fn) => router.onFirstEvent(fn),
  })

  let disposed = false
  const handlers: Hooks = {
    event: async (payload) => {
      if (!disposed) router.handle(payload)
    },
    config: async (config) => {
      router.run("core", "config", () => readHostConfig(config, host))
      router.run("core", "commands", () => commands.register(config))
    },
    tool: { longrun_status: createStatusTool(status) },
    dispose: async () => {
      if (disposed) return
      disposed = true
      timers.clearAll()
      for (const hook of hooks) {
        try {
          await hook.dispose?.()
        } catch (err) {
          logger.hookError(hook.name, "dispose", err)
        }
      }
      store.clear()
      // Hung client calls end now, so the handlers awaiting them settle.
      calls.abortAll("opencode-longrun was disposed")
      await settleWithin(Promise.all([router.flush(), journal.close()]), DISPOSE_WAIT_MS, clock)
    },
  }
  for (const hook of hooks) Object.assign(handlers.tool!, hook.tools ?? {})
  mergeHandlers(handlers, [core, ...hooks], logger)
  handlers["command.execute.before"] = commands.execute(handlers["command.execute.before"])
  return { hooks: handlers, internals: { ctx, router, hooks, status } }
}

/** A package.json is a few KB; anything larger next to the binary is not OpenCode's. */
const HOST_PACKAGE_MAX_BYTES = 64 * 1024

/** The version of the opencode binary running this plugin, when its npm package says it. */
function readHostVersion(): string | undefined {
  // Regular files only, bounded: a FIFO or a huge file there must not stall the plugin's start.
  return versionNextToBinary(process.execPath, (path) => readSmallRegularFile(path, HOST_PACKAGE_MAX_BYTES))
}

/** Waits for p, or at most ms on the clock; true when p settled in time. */
function settleWithin(p: Promise<unknown>, ms: number, clock: Clock): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = clock.setTimeout(() => resolve(false), ms)
    void p.finally(() => {
      clock.clear(timer)
      resolve(true)
    })
  })
}

export type { PluginHandlers }

export const LongrunPlugin: Plugin = async (input, options) => (await createLongrun(input, options)).hooks
