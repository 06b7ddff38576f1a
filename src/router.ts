import { ingest } from "./cache/ingest"
import type { SessionEntry } from "./cache/session-entry"
import type { SessionStore } from "./cache/session-store"
import { parseEvent } from "./events/parse"
import { EVENT_TYPES, type EventOf, type EventType, type LongrunEvent } from "./events/types"
import type { Logger } from "./runtime/log"

export type EventHandler<K extends EventType = EventType> = (
  event: EventOf<K>,
  entry: SessionEntry | undefined,
) => void | Promise<void>

/** A hook's subscriptions: each handler gets its event already narrowed to its type. */
export type EventHandlers = { [K in EventType]?: EventHandler<K> }

interface Registration {
  hook: string
  handler: (event: LongrunEvent, entry: SessionEntry | undefined) => void | Promise<void>
}

/**
 * The plugin's one event handler. Parses each event once (unknown or malformed ones
 * are counted as ignored), applies it to the session store, then calls the hooks
 * subscribed to its type, in hook order. Handlers are not awaited: a slow hook never
 * holds up OpenCode's event delivery; a throw or rejection is logged under the hook's
 * name and goes no further.
 */
export class EventRouter {
  private readonly byType = new Map<EventType, Registration[]>()
  private readonly pending = new Set<Promise<unknown>>()
  private readonly firstEventListeners: Array<() => void> = []
  /** events handled, by type: only the known types, so the map cannot grow with input */
  readonly seen = new Map<EventType, number>()
  /** events of types the plugin does not consume, or malformed */
  ignored = 0
  /** most handlers awaiting at once since start */
  maxPending = 0

  constructor(
    private readonly store: SessionStore,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  on<K extends EventType>(hook: string, type: K, handler: EventHandler<K>): void {
    const list = this.byType.get(type) ?? []
    list.push({ hook, handler: handler as Registration["handler"] })
    this.byType.set(type, list)
  }

  /** Subscribes every handler of a hook's table. */
  subscribe(hook: string, handlers: EventHandlers | undefined): void {
    for (const type of EVENT_TYPES) {
      const handler = handlers?.[type]
      if (handler) this.on(hook, type, handler as EventHandler)
    }
  }

  /** Runs once, on the first event: the server is up, so client calls are safe. */
  onFirstEvent(fn: () => void): void {
    this.firstEventListeners.push(fn)
  }

  get types(): EventType[] {
    return [...this.byType.keys()]
  }

  get pendingCount(): number {
    return this.pending.size
  }

  handle(raw: unknown): void {
    if (this.firstEventListeners.length > 0) {
      for (const fn of this.firstEventListeners.splice(0)) this.run("router", "first-event", () => fn())
    }
    let event: LongrunEvent | undefined
    try {
      event = parseEvent(raw)
    } catch (err) {
      this.logger.hookError("router", "parse", err)
    }
    if (!event) {
      this.ignored++
      return
    }
    this.seen.set(event.type, (this.seen.get(event.type) ?? 0) + 1)
    let entry: SessionEntry | undefined
    try {
      entry = ingest(this.store, event, this.now())
    } catch (err) {
      this.logger.hookError("store", `ingest ${event.type}`, err)
      entry = event.sessionID ? this.store.peek(event.sessionID) : undefined
    }
    const ev = event
    for (const { hook, handler } of this.byType.get(ev.type) ?? []) this.run(hook, ev.type, () => handler(ev, entry))
    // Deletion comes last so hooks still see the entry of the session being deleted.
    if (ev.type === "session.deleted") this.store.delete(ev.sessionID)
  }

  /** Runs fn, catching sync throws and async rejections under the hook's name. */
  run(hook: string, where: string, fn: () => unknown): void {
    let result: unknown
    try {
      result = fn()
    } catch (err) {
      this.logger.hookError(hook, where, err)
      return
    }
    if (result instanceof Promise) {
      const tracked = result.catch((err) => this.logger.hookError(hook, where, err))
      this.pending.add(tracked)
      if (this.pending.size > this.maxPending) this.maxPending = this.pending.size
      void tracked.finally(() => this.pending.delete(tracked))
    }
  }

  /** Resolves when every handler started so far has settled. For tests and dispose. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }
}
