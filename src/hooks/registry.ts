import type { HookName } from "../options"
import { createBackgroundAgentsHook } from "./background-agents"
import { createBillHook } from "./bill"
import { createContextPruningHook } from "./context-pruning"
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
  // Before the monitor: the monitor stays quiet when a compaction is about to start.
  ["preemptive-compaction", createPreemptiveCompactionHook],
  ["context-window-monitor", createContextWindowMonitorHook],
  ["todo-continuation", createTodoContinuationHook],
  ["background-agents", createBackgroundAgentsHook],
  ["memory-watchdog", createMemoryWatchdogHook],
  ["context-pruning", createContextPruningHook],
  // After pruning: a bust in the request after a pruning moment is named as such.
  ["bill", createBillHook],
  // Last: it only reads the facts the others write.
  ["sidebar", createSidebarHook],
]
