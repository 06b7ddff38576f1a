import type { HookName } from "../options"
import { createBackgroundAgentsHook } from "./background-agents"
import { createContextWindowMonitorHook } from "./context-window-monitor"
import { createLargePayloadGuardHook } from "./large-payload-guard"
import { createMemoryWatchdogHook } from "./memory-watchdog"
import { createPreemptiveCompactionHook } from "./preemptive-compaction"
import { createSidebarHook } from "./sidebar"
import { createTodoContinuationHook } from "./todo-continuation"
import type { HookContext, LongrunHook } from "./types"

/** Every hook factory, in the order their handlers run. */
export const HOOK_FACTORIES: Array<[HookName, (ctx: HookContext) => LongrunHook]> = [
  // First, so a capped tool output is what later hooks append their notes to.
  ["large-payload-guard", (ctx) => createLargePayloadGuardHook(ctx)],
  ["context-window-monitor", createContextWindowMonitorHook],
  ["preemptive-compaction", createPreemptiveCompactionHook],
  ["todo-continuation", createTodoContinuationHook],
  ["background-agents", createBackgroundAgentsHook],
  ["memory-watchdog", createMemoryWatchdogHook],
  // Last: it only reads the facts the others write.
  ["sidebar", createSidebarHook],
]
