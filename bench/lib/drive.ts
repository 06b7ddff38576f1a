import type { Hooks } from "@opencode-ai/plugin"
import type { Step } from "./session-gen"

/**
 * Applies one generated step to a plugin the way OpenCode would: events through the
 * `event` hook, hook calls through the named handler. Returns the time it took in ms,
 * including the settling of any handler work the plugin started (`settle`).
 */
export async function applyStep(hooks: Hooks, step: Step, settle?: () => Promise<void>): Promise<number> {
  if (step.kind === "message") return 0
  const t0 = performance.now()
  if (step.kind === "event") {
    await hooks.event?.({ event: step.event } as never)
  } else {
    const fn = (hooks as Record<string, unknown>)[step.name] as ((i: unknown, o: unknown) => Promise<void>) | undefined
    if (fn) await fn(step.input, step.output)
  }
  if (settle) await settle()
  return performance.now() - t0
}
