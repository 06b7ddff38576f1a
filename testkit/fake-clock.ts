import type { Clock, TimerHandle } from "../src/runtime/clock"

interface FakeTimer {
  id: number
  at: number
  fn: () => void
  every: number | undefined
}

/**
 * A Clock that moves only when told. `advance(ms)` fires due timers in time order,
 * letting promises settle between them, so code under test runs as it would in real
 * time without a single real sleep.
 */
export function fakeClock(start = 1_700_000_000_000) {
  let t = start
  let seq = 0
  const timers = new Map<number, FakeTimer>()
  const add = (fn: () => void, ms: number, every: number | undefined): TimerHandle => {
    const id = ++seq
    timers.set(id, { id, at: t + Math.max(0, ms), fn, every })
    return { __timer: true, id } as unknown as TimerHandle
  }
  const clock: Clock = {
    now: () => t,
    setTimeout: (fn, ms) => add(fn, ms, undefined),
    setInterval: (fn, ms) => add(fn, ms, Math.max(1, ms)),
    clear: (h) => {
      timers.delete((h as unknown as { id: number }).id)
    },
  }
  const settle = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve()
  }
  /** Moves time forward by ms, firing every timer that falls due on the way. */
  const advance = async (ms: number) => {
    const end = t + ms
    await settle()
    for (;;) {
      let next: FakeTimer | undefined
      for (const timer of timers.values()) if (timer.at <= end && (!next || timer.at < next.at)) next = timer
      if (!next) break
      t = Math.max(t, next.at)
      if (next.every !== undefined) next.at += next.every
      else timers.delete(next.id)
      next.fn()
      await settle()
    }
    t = end
    await settle()
  }
  return { clock, now: clock.now, advance, settle, pending: () => timers.size }
}
