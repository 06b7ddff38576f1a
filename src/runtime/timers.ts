import { type Clock, systemClock, type TimerHandle } from "./clock"

/**
 * Owns a set of timers on a Clock: each forgets itself when it fires, clearAll()
 * clears them (plugin dispose, or a session leaving the store), and after clearAll()
 * the owner is closed: it refuses new timers, so late callbacks cannot schedule work
 * for a session or a plugin that is gone.
 */
export class TimerOwner {
  private readonly live = new Set<TimerHandle>()
  private closed = false

  constructor(
    readonly clock: Clock = systemClock,
    /** where a throwing callback goes: a timer never throws into the runtime */
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  private guarded(fn: () => void): () => void {
    return () => {
      try {
        fn()
      } catch (err) {
        this.onError(err)
      }
    }
  }

  /** Undefined when the owner is closed. */
  setTimeout(fn: () => void, ms: number): TimerHandle | undefined {
    if (this.closed) return undefined
    const run = this.guarded(fn)
    const handle = this.clock.setTimeout(() => {
      this.live.delete(handle)
      run()
    }, ms)
    this.live.add(handle)
    return handle
  }

  setInterval(fn: () => void, ms: number): TimerHandle | undefined {
    if (this.closed) return undefined
    const handle = this.clock.setInterval(this.guarded(fn), ms)
    this.live.add(handle)
    return handle
  }

  clear(handle: TimerHandle | undefined): void {
    if (handle === undefined) return
    this.clock.clear(handle)
    this.live.delete(handle)
  }

  /** A promise that resolves after ms (or at once when closed); for backoffs. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (!this.setTimeout(resolve, ms)) resolve()
    })
  }

  clearAll(): void {
    for (const handle of this.live) this.clock.clear(handle)
    this.live.clear()
    this.closed = true
  }

  get isClosed(): boolean {
    return this.closed
  }

  get size(): number {
    return this.live.size
  }
}
