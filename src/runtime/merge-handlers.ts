import type { Hooks } from "@opencode-ai/plugin"
import type { Logger } from "./log"

/**
 * Chains each plugin handler (tool.execute.after, chat.params, ...) across hooks, in
 * hook order. A hook that throws is logged and skipped; the others still run and
 * OpenCode never sees the error.
 */
export function mergeHandlers(
  target: Hooks,
  hooks: Array<{ name: string; handlers?: object }>,
  logger: Pick<Logger, "hookError">,
): void {
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
