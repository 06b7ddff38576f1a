import type { Hooks, PluginInput, ToolDefinition } from "@opencode-ai/plugin"
import type { ModelLimits } from "../cache/model-limits"
import type { SessionStore } from "../cache/session-store"
import type { TimerOwner } from "../cache/timers"
import type { Logger } from "../log"
import type { HookName, LongrunOptions } from "../options"
import type { EventHandler } from "../router"

export type Client = PluginInput["client"]

/** What every hook factory receives. */
export interface HookContext {
  input: PluginInput
  /** OpenCode's client, wrapped so each call is counted by name */
  client: Client
  clientCalls: Map<string, number>
  options: LongrunOptions
  store: SessionStore
  /** context limits per model, learnt from chat.params, catalogue as fallback */
  limits: ModelLimits
  /** facts from OpenCode's own config, read by the plugin's config hook */
  host: HostConfig
  logger: Logger
  /** plugin-level timers (not tied to a session); cleared on dispose */
  timers: TimerOwner
  now: () => number
}

export interface HostConfig {
  /** false when the user set compaction.auto: false; the plugin honours it too */
  autoCompaction: boolean
  /** compaction.reserved from the user's config, if set */
  compactionReserved?: number
  /** permission.edit is "deny" for every agent */
  editDenied: boolean
  /** agents whose config denies editing */
  editDeniedAgents: Set<string>
}

/** Plugin handlers a hook may return, other than those the plugin owns itself. */
export type PluginHandlers = Omit<Hooks, "event" | "tool" | "dispose" | "config" | "auth" | "provider">

/** A cache a hook holds outside the session store, for memory attribution. */
export interface CacheReport {
  name: string
  entries: number
  bytes: number
}

/** A hook's part of the longrun_status report: structured data and its text form. */
export interface StatusSection {
  title: string
  data: unknown
  text: string
}

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
  /** event type -> handler; the router calls these after updating the store */
  events?: Record<string, EventHandler>
  handlers?: PluginHandlers
  tools?: Record<string, ToolDefinition>
  /** slash commands by name (without the slash) */
  commands?: Record<string, CommandSpec>
  caches?: () => CacheReport[]
  status?: () => StatusSection | undefined
  dispose?: () => void | Promise<void>
}
