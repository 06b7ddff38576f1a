import type { Task } from "./task"

export interface SlotLimits {
  model: (providerID: string, modelID: string) => number
  provider: (providerID: string) => number
}

/**
 * The FIFO queue of tasks waiting for a slot, and the slots held per model and per
 * provider as counters, so starting or finishing a task costs O(1) and a pump costs
 * O(queue). The queue is bounded: a launch beyond it is refused with a message.
 */
export class Slots {
  private queue: Task[] = []
  private readonly byModel = new Map<string, number>()
  private readonly byProvider = new Map<string, number>()

  constructor(
    private readonly limits: SlotLimits,
    readonly maxQueued: number,
  ) {}

  get queued(): number {
    return this.queue.length
  }

  /** False when the queue is full. */
  enqueue(task: Task): boolean {
    if (this.queue.length >= this.maxQueued) return false
    this.queue.push(task)
    return true
  }

  remove(task: Task): void {
    const i = this.queue.indexOf(task)
    if (i >= 0) this.queue.splice(i, 1)
  }

  /** Takes, in order, every queued task whose model and provider have a free slot. */
  take(): Task[] {
    const started: Task[] = []
    const waiting: Task[] = []
    for (const task of this.queue) {
      if (task.status !== "queued") continue
      const model = `${task.providerID}/${task.modelID}`
      const usedModel = this.byModel.get(model) ?? 0
      const usedProvider = this.byProvider.get(task.providerID) ?? 0
      if (
        usedModel >= this.limits.model(task.providerID, task.modelID) ||
        usedProvider >= this.limits.provider(task.providerID)
      ) {
        waiting.push(task)
        continue
      }
      this.byModel.set(model, usedModel + 1)
      this.byProvider.set(task.providerID, usedProvider + 1)
      task.released = false
      started.push(task)
    }
    this.queue = waiting
    return started
  }

  /** A task resumed after a restart takes its slot again, whatever the limits (it was running before). */
  occupy(task: Task): void {
    if (!task.released) return
    const model = `${task.providerID}/${task.modelID}`
    this.byModel.set(model, (this.byModel.get(model) ?? 0) + 1)
    this.byProvider.set(task.providerID, (this.byProvider.get(task.providerID) ?? 0) + 1)
    task.released = false
  }

  /** Gives a running task's slot back, exactly once. */
  release(task: Task): void {
    if (task.released) return
    task.released = true
    const model = `${task.providerID}/${task.modelID}`
    decrement(this.byModel, model)
    decrement(this.byProvider, task.providerID)
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 0) - 1
  if (n > 0) map.set(key, n)
  else map.delete(key)
}
