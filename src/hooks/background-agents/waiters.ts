import type { TimerOwner } from "../../runtime/timers"

/** Callers of background_output that wait for a task to end, each with a time limit. */
export class Waiters {
  private readonly byTask = new Map<string, Set<() => void>>()

  constructor(private readonly timers: TimerOwner) {}

  /** Resolves when wake(taskID) runs, after ms, or on abort, whichever is first. */
  wait(taskID: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const set = this.byTask.get(taskID) ?? new Set()
      const done = () => {
        this.timers.clear(timer)
        set.delete(done)
        if (set.size === 0 && this.byTask.get(taskID) === set) this.byTask.delete(taskID)
        signal?.removeEventListener("abort", done)
        resolve()
      }
      if (signal?.aborted) return resolve()
      const timer = this.timers.setTimeout(done, ms)
      if (!timer) return resolve()
      set.add(done)
      this.byTask.set(taskID, set)
      signal?.addEventListener("abort", done, { once: true })
    })
  }

  wake(taskID: string): void {
    for (const done of [...(this.byTask.get(taskID) ?? [])]) done()
  }

  wakeAll(): void {
    for (const id of [...this.byTask.keys()]) this.wake(id)
  }
}
