/**
 * The one source of time. Every timer and every `now()` in the plugin goes through a
 * Clock, so tests drive time by hand and nothing sleeps. The system clock unref()s
 * every timer: none keeps OpenCode alive.
 */
export type TimerHandle = { readonly __timer: true }

export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  setInterval(fn: () => void, ms: number): TimerHandle
  clear(handle: TimerHandle): void
}

/** Runtimes turn delays above 2^31-1 ms into 1 ms; clamp so a long delay stays long. */
export const MAX_DELAY_MS = 2 ** 31 - 1

export function clampDelay(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) return 0
  return Math.min(ms, MAX_DELAY_MS)
}

type Native = ReturnType<typeof setTimeout>

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const h = setTimeout(fn, clampDelay(ms))
    h.unref?.()
    return h as unknown as TimerHandle
  },
  setInterval(fn, ms) {
    const h = setInterval(fn, Math.max(1, clampDelay(ms)))
    h.unref?.()
    return h as unknown as TimerHandle
  },
  clear(handle) {
    clearTimeout(handle as unknown as Native)
    clearInterval(handle as unknown as Native)
  },
}
