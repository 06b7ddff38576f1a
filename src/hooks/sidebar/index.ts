import { randomBytes } from "node:crypto"
import { isAbsolute, resolve } from "node:path"
import type { SessionEntry } from "../../cache/session-entry"
import { EVENT_TYPES } from "../../events/types"
import type { EventHandlers } from "../../router"
import type { TimerHandle } from "../../runtime/clock"
import { sidebarDir } from "../../sidebar/snapshot"
import type { HookContext, LongrunHook, PluginHandlers } from "../types"
import { buildSnapshot, contentKey, countsByItself, isLive, type MemoryView } from "./build"
import { SnapshotPublisher } from "./publish"
import { sweepDeadSnapshots } from "./sweep"

const NAME = "sidebar"
const MB = 1024 * 1024
/** A snapshot that counts by itself in the TUI is rewritten at least this often, so it never looks stale. */
export const HEARTBEAT_MS = 10_000

/** Where this server writes: sidebar_dir (relative to the project), else the XDG state folder. */
export function serverSidebarDir(env: Record<string, string | undefined>, option: string, directory?: string): string {
  const dir = sidebarDir(env, option || undefined)
  return isAbsolute(dir) ? dir : resolve(directory || process.cwd(), dir)
}

/**
 * Publishes, per session, the small snapshot the TUI half shows in its sidebar section:
 * one JSON file per session in the sidebar folder. Nothing runs while nothing changes:
 * an event or a handler marks its session, one timer rebuilds the marked sessions after
 * sidebar_interval_ms, and the timer keeps going only while a session does something
 * by itself (busy, counting down, running tasks, compacting). Files go when the
 * session leaves the store, and all of them on dispose.
 */
export function createSidebarHook(ctx: HookContext): LongrunHook {
  return createSidebar(ctx).hook
}

/** The hook and a full rebuild (`tick`, for tests that set the facts directly). */
export function createSidebar(ctx: HookContext) {
  const { options, store, logger } = ctx
  const dir = serverSidebarDir(process.env, options.sidebar_dir, ctx.input.directory)
  const beat = Math.max(HEARTBEAT_MS, options.sidebar_interval_ms)
  const writer = { pid: process.pid, iid: randomBytes(6).toString("hex"), beat }
  const publisher = new SnapshotPublisher(dir, writer, {
    onProblem: (sessionID, err) => logger.hookError(NAME, `publish ${sessionID}`, err),
  })
  const retained = new Map<string, number>()
  const dirty = new Set<string>()
  let everything = false
  let live = new Set<string>()
  let timer: TimerHandle | undefined
  let builds = 0
  let disposed = false

  const retainedBy = (e: SessionEntry): number => {
    const est = e.estimate()
    return est.store + Object.values(est.hooks).reduce((a, b) => a + b, 0)
  }

  /** The watchdog's last sample: the plugin has one memory sampler. */
  const memoryOf = (entry: SessionEntry, pluginBytes: number): MemoryView => {
    const p = store.processFact
    return {
      sessionBytes: retained.get(entry.id) ?? 0,
      pluginBytes,
      rssBytes: p.rss ?? 0,
      rssPerMinBytes: p.growthMbPerMin === undefined ? undefined : Math.round(p.growthMbPerMin * MB),
    }
  }

  const round = () => {
    const now = ctx.now()
    const entries = everything ? store.entries() : [...new Set([...dirty, ...live])].flatMap((id) => store.peek(id) ?? [])
    everything = false
    dirty.clear()
    for (const e of entries) retained.set(e.id, retainedBy(e))
    let pluginBytes = 0
    for (const b of retained.values()) pluginBytes += b
    const stillLive = new Set<string>()
    const todoRunning = store.todoHook.running
    for (const entry of entries) {
      try {
        builds++
        const snap = buildSnapshot(entry, {
          limits: ctx.limits,
          host: ctx.host,
          todoRunning,
          now,
          memory: memoryOf(entry, pluginBytes),
          writer,
        })
        const counting = countsByItself(snap)
        if (counting || isLive(entry)) stillLive.add(entry.id)
        const due = counting && now - (publisher.writtenAt(entry.id) ?? Number.NEGATIVE_INFINITY) >= beat
        publisher.publish(entry.id, contentKey(snap), snap, now, due)
      } catch (err) {
        logger.hookError(NAME, "build", err)
      }
    }
    live = stillLive
  }

  const flush = () => {
    if (disposed) return
    round()
    if (publisher.dirLost) {
      // The folder was removed under us and made again: every session's file goes back now.
      publisher.dirLost = false
      publisher.forgetAll()
      everything = true
      round()
    }
    if (live.size > 0) schedule()
  }

  const schedule = () => {
    if (disposed || timer) return
    timer = ctx.timers.setTimeout(() => {
      timer = undefined
      flush()
    }, options.sidebar_interval_ms)
  }

  const mark = (sessionID: string | undefined, parentID?: string) => {
    if (sessionID === undefined) everything = true
    else dirty.add(sessionID)
    // a child's events change its parent's background fact
    if (parentID) dirty.add(parentID)
    schedule()
  }

  const events: EventHandlers = {}
  for (const type of EVENT_TYPES) {
    ;(events as Record<string, (e: { sessionID?: string }, entry: SessionEntry | undefined) => void>)[type] = (e, entry) =>
      mark(e.sessionID, entry?.parentID)
  }
  const bySession = async (input: { sessionID?: string }) => mark(input.sessionID)
  const handlers: PluginHandlers = {
    "chat.params": bySession,
    "chat.message": bySession,
    "tool.execute.before": bySession,
    "tool.execute.after": bySession,
    "experimental.session.compacting": bySession,
    // pruning facts change here; the request names its session in its messages
    "experimental.chat.messages.transform": async (_input, output) =>
      mark((output.messages?.[0]?.info as { sessionID?: string } | undefined)?.sessionID),
  }

  store.onRemove((entry) => {
    dirty.delete(entry.id)
    live.delete(entry.id)
    retained.delete(entry.id)
    try {
      publisher.remove(entry.id)
    } catch (err) {
      logger.hookError(NAME, "remove", err)
    }
  })
  // What servers that are gone left behind (a crash leaves every file), once, off the start-up path.
  ctx.timers.setTimeout(() => sweepDeadSnapshots(dir, Date.now()), 0)

  const hook: LongrunHook = {
    name: NAME,
    events,
    handlers,
    caches: () => [{ name: "sidebar-files", entries: publisher.sessions.length, bytes: publisher.sessions.length * 200 }],
    status: () => ({
      title: "sidebar",
      data: { dir, files: publisher.sessions.length, writes: publisher.writes, builds, yielded: publisher.yielded },
      text: `${publisher.sessions.length} snapshot files in ${dir}, ${publisher.writes} writes and ${builds} rebuilds so far`,
    }),
    dispose: () => {
      disposed = true
      publisher.close()
    },
  }
  const tick = () => {
    everything = true
    flush()
  }
  return { hook, tick, publisher }
}
