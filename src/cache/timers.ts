/**
 * Owns a set of timers. Every timer is unref()'d so it never keeps OpenCode alive,
 * forgets itself when it fires, and is cleared by clearAll() (plugin dispose, or a
 * session's disposal when the owner belongs to a session entry).
 */
export class TimerOwner {
  private readonly live = new Set<ReturnType<typeof setTimeout>>()

  setTimeout(fn: () => void, ms: number): ReturnType<typeof setTimeout> {
    const handle = setTimeout(() => {
      this.live.delete(handle)
      fn()
    }, ms)
    handle.unref?.()
    this.live.add(handle)
    return handle
  }

  setInterval(fn: () => void, ms: number): ReturnType<typeof setInterval> {
    const handle = setInterval(fn, ms)
    handle.unref?.()
    this.live.add(handle)
    return handle
  }

  clear(handle: ReturnType<typeof setTimeout> | undefined): void {
    if (handle === undefined) return
    clearTimeout(handle)
    clearInterval(handle)
    this.live.delete(handle)
  }

  clearAll(): void {
    for (const handle of this.live) {
      clearTimeout(handle)
      clearInterval(handle)
    }
    this.live.clear()
  }

  get size(): number {
    return this.live.size
  }
}
