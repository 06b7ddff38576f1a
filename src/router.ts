import { ingest } from "./cache/ingest"
import type { SessionEntry } from "./cache/session-entry"
import type { SessionStore } from "./cache/session-store"
import { parseEvent, type ParsedEvent } from "./events/parse"
import type { Logger } from "./log"

export type EventHandler = (event: ParsedEvent, entry: SessionEntry | undefined) => void | Promise<void>

interface Registration {
  hook: string
  handler: EventHandler
}

/**
 * The plugin's one event handler. Parses each event defensively, applies it to the
 * session store, then calls the hooks registered for its type. Handlers are not
 * awaited by handle(): a slow hook never holds up OpenCode's event delivery, and a
 * throwing or rejecting one is logged under its hook's name and goes no further.
 */
export class EventRouter {
  private readonly byType = new Map<string, Registration[]>()
  private readonly pending = new Set<Promise<unknown>>()
  private readonly firstEventListeners: Array<() => void> = []
  /** events seen, by type, for attribution and tests */
  readonly seen = new Map<string, number>()
  malformed = 0

  constructor(
    private readonly store: SessionStore,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {}

  on(hook: string, type: string, handler: EventHandler): void {
    const list = this.byType.get(type) ?? []
    list.push({ hook, handler })
    this.byType.set(type, list)
  }

  /** Runs once, on the first event: the server is up, so client calls are safe. */
  onFirstEvent(fn: () => void): void {
    this.firstEventListeners.push(fn)
  }

  get types(): string[] {
    return [...this.byType.keys()]
  }

  handle(raw: unknown): void {
    if (this.firstEventListeners.length > 0) {
      for (const fn of this.firstEventListeners.splice(0)) this.run("router", "first-event", () => fn())
    }
    let event: ParsedEvent | undefined
    try {
      event = parseEvent(raw)
    } catch (err) {
      this.logger.hookError("router", "parse", err)
    }
    if (!event) {
      this.malformed++
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
    const registrations = this.byType.get(event.type)
    if (registrations) {
      for (const { hook, handler } of registrations) {
        const ev = event
        this.run(hook, ev.type, () => handler(ev, entry))
      }
    }
    // Deletion comes last so hooks still see the entry of the session being deleted.
    if (event.type === "session.deleted" && event.sessionID) this.store.delete(event.sessionID)
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
      void tracked.finally(() => this.pending.delete(tracked))
    }
  }

  /** Resolves when every handler started so far has settled. For tests and dispose. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending])
  }
}
