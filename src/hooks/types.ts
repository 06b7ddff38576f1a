import type { Hooks, PluginInput, ToolDefinition } from "@opencode-ai/plugin"
import type { ModelPrices } from "../bill/model-prices"
import type { HostConfig } from "../cache/host"
import type { ModelLimits } from "../cache/model-limits"
import type { Journal } from "../journal"
import type { SessionStore } from "../cache/session-store"
import type { HookName, LongrunOptions } from "../options"
import type { EventHandlers } from "../router"
import type { Clock } from "../runtime/clock"
import type { CallStats, Client } from "../runtime/client-calls"
import type { Logger } from "../runtime/log"
import type { TimerOwner } from "../runtime/timers"
import type { CacheReport, StatusScope, StatusSection } from "../status/types"

export type { CacheReport, Client, HostConfig, StatusScope, StatusSection }

/** What every hook factory receives. */
export interface HookContext {
  input: PluginInput
  /** OpenCode's client, wrapped: every call counted, with a timeout, ended on dispose */
  client: Client
  calls: CallStats
  options: LongrunOptions
  store: SessionStore
  /** context limits per model, learnt from chat.params, catalogue as fallback */
  limits: ModelLimits
  /** prices per model, learnt from chat.params (the provider's prompt-cache prices included) */
  prices: ModelPrices
  /** facts from OpenCode's own config, read by the plugin's config hook */
  host: HostConfig
  logger: Logger
  /** the one clock: every timer and every now() */
  clock: Clock
  /** plugin-level timers (not tied to a session); cleared on dispose */
  timers: TimerOwner
  now: () => number
  /** the durable record: each hook claims its section (journal.writer) and gets it back after a restart */
  journal: Journal
}

/** Plugin handlers a hook may return, other than those the plugin owns itself. */
export type PluginHandlers = Omit<Hooks, "event" | "tool" | "dispose" | "config" | "auth" | "provider">

/**
 * A slash command a hook offers the user (e.g. /longrun-stop). The plugin registers
 * each in OpenCode's config and runs it from command.execute.before.
 */
export interface CommandSpec {
  description: string
  /** Runs the command for the session it was typed in; returns the text shown to the user. */
  run: (sessionID: string, args: string) => string | Promise<string>
}

/** What a hook factory returns: only the pieces it needs. */
export interface LongrunHook {
  name: HookName | "core"
  /** event subscriptions; the router calls these after updating the store */
  events?: EventHandlers
  handlers?: PluginHandlers
  tools?: Record<string, ToolDefinition>
  /** slash commands by name (without the slash) */
  commands?: Record<string, CommandSpec>
  caches?: () => CacheReport[]
  /** Its part of the report: rows for the sessions in scope only (none given: every session). */
  status?: (scope?: StatusScope) => StatusSection | undefined
  dispose?: () => void | Promise<void>
}
