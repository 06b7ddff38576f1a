import { LRUCache } from "lru-cache"
import { type Clock, systemClock } from "../runtime/clock"
import { detach } from "../runtime/detach"
import type { ProcessFact, TodoHookFact } from "./facts"
import { SessionEntry } from "./session-entry"

export interface SessionStoreOptions {
  /** idle time after which a session is dropped; activity refreshes it */
  ttlMs: number
  maxSessions: number
  messageCap: number
  messageCapHysteresis: number
  /** the plugin's one clock (tests pass a fake one) */
  clock?: Clock
  onReleaseError?: (hook: string, err: unknown) => void
  /** a session timer's callback threw */
  onTimerError?: (err: unknown) => void
}

export type RemovalReason = "expired" | "evicted" | "deleted" | "cleared"

export interface StoreStats {
  sessions: number
  added: number
  expired: number
  evicted: number
  deleted: number
}

/**
 * The one store of per-session state. An LRU with a TTL refreshed by activity and a
 * maximum number of sessions. Expired sessions are removed by sweep(), which the
 * plugin runs on one unref()'d interval, so sessions that never get session.deleted
 * (background children often do not) still go away. No per-entry timers: lru-cache's
 * ttlAutopurge would start one timer per session.
 */
export class SessionStore {
  private readonly cache: LRUCache<string, SessionEntry>
  private readonly now: () => number
  private readonly clock: Clock
  private readonly listeners: Array<(entry: SessionEntry, reason: RemovalReason) => void> = []
  private readonly createListeners: Array<(entry: SessionEntry) => void> = []
  private pendingReason: RemovalReason | undefined
  /** the host process's memory, as the watchdog last sampled it (its only writer) */
  readonly processFact: ProcessFact = { rss: undefined, heapUsed: undefined, growthMbPerMin: undefined, at: undefined }
  /** whether the todo hook runs (its only writer is that hook) */
  readonly todoHook: TodoHookFact = { running: false }
  readonly stats: StoreStats = { sessions: 0, added: 0, expired: 0, evicted: 0, deleted: 0 }

  constructor(private readonly options: SessionStoreOptions) {
    this.clock = options.clock ?? systemClock
    const clock = this.clock
    const now = () => clock.now()
    this.now = now
    this.cache = new LRUCache<string, SessionEntry>({
      max: options.maxSessions,
      ttl: options.ttlMs > 0 ? options.ttlMs : undefined,
      ttlResolution: 0,
      updateAgeOnGet: true,
      perf: { now },
      dispose: (entry, _key, reason) => this.release(entry, reason),
    })
  }

  private release(entry: SessionEntry, reason: LRUCache.DisposeReason): void {
    const why: RemovalReason =
      this.pendingReason ?? (reason === "expire" ? "expired" : reason === "evict" ? "evicted" : "deleted")
    if (why === "expired") this.stats.expired++
    else if (why === "evicted") this.stats.evicted++
    else if (why === "deleted") this.stats.deleted++
    for (const listener of this.listeners) {
      try {
        listener(entry, why)
      } catch (err) {
        this.options.onReleaseError?.("store-listener", err)
      }
    }
    entry.release((hook, err) => this.options.onReleaseError?.(hook, err))
  }

  /** Runs when any session leaves the store, for whatever reason. */
  onRemove(listener: (entry: SessionEntry, reason: RemovalReason) => void): void {
    this.listeners.push(listener)
  }

  /** Runs when a session's entry is created (its first event, or its return after it left the store). */
  onCreate(listener: (entry: SessionEntry) => void): void {
    this.createListeners.push(listener)
  }

  /** The session's entry, created if new; counts as activity (refreshes the TTL). */
  touch(sessionID: string): SessionEntry {
    const found = this.cache.get(sessionID)
    if (found) {
      found.lastActivityAt = this.now()
      return found
    }
    const entry = new SessionEntry(
      detach(sessionID),
      { cap: this.options.messageCap, hysteresis: this.options.messageCapHysteresis },
      this.now(),
      this.clock,
      this.options.onTimerError,
    )
    this.cache.set(entry.id, entry)
    this.stats.added++
    for (const listener of this.createListeners) {
      try {
        listener(entry)
      } catch (err) {
        this.options.onReleaseError?.("store-listener", err)
      }
    }
    return entry
  }

  /** The entry without refreshing its TTL or creating it. */
  peek(sessionID: string): SessionEntry | undefined {
    return this.cache.peek(sessionID)
  }

  has(sessionID: string): boolean {
    return this.cache.has(sessionID)
  }

  delete(sessionID: string): boolean {
    return this.cache.delete(sessionID)
  }

  /** Removes expired sessions. Returns how many went. */
  sweep(): number {
    const before = this.stats.expired
    this.cache.purgeStale()
    return this.stats.expired - before
  }

  clear(): void {
    this.pendingReason = "cleared"
    try {
      this.cache.clear()
    } finally {
      this.pendingReason = undefined
    }
  }

  get size(): number {
    return this.cache.size
  }

  /** Entries, most recently active first. Does not refresh TTLs. */
  entries(): SessionEntry[] {
    return [...this.cache.values()]
  }

  /** Milliseconds until the entry expires, or undefined with no TTL. */
  remainingTtl(sessionID: string): number | undefined {
    const left = this.cache.getRemainingTTL(sessionID)
    return Number.isFinite(left) ? left : undefined
  }
}
