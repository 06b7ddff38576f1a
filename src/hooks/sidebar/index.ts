import type { SessionEntry } from "../../cache/session-entry"
import { isHookEnabled } from "../../options"
import { sidebarDir } from "../../sidebar/snapshot"
import type { HookContext, LongrunHook } from "../types"
import { buildSnapshot, contentKey, type MemoryView } from "./build"
import { SnapshotPublisher } from "./publish"

const NAME = "sidebar"
/** RSS and retained bytes are sampled this often: they change all the time, the files should not. */
export const MEMORY_EVERY_MS = 10_000
/** RSS samples kept for the trend (12 x 10 s: the last two minutes). */
const TREND_SAMPLES = 12
/** No trend before the samples span this long: startup growth over seconds is not a trend. */
const TREND_MIN_SPAN_MS = 30_000

export interface SidebarDeps {
  /** the process's RSS in bytes; defaults to process.memoryUsage.rss() */
  rss?: () => number
}

/**
 * Publishes, per session, the small snapshot the TUI half shows in its sidebar section:
 * one JSON file per session in the sidebar folder, rewritten at most once per tick and
 * only when it changed, removed when the session leaves the store and on dispose.
 */
export function createSidebarHook(ctx: HookContext): LongrunHook {
  return createSidebar(ctx).hook
}

/** The hook and its tick (tests call `tick` with fake time and set the facts directly). */
export function createSidebar(ctx: HookContext, deps: SidebarDeps = {}) {
  const { options, store, logger } = ctx
  const rss = deps.rss ?? (() => process.memoryUsage.rss())
  const publisher = new SnapshotPublisher(sidebarDir(process.env, options.sidebar_dir || undefined))
  const todoEnabled = isHookEnabled(options, "todo-continuation")
  const rssSamples: Array<{ at: number; rss: number }> = []
  const retained = new Map<string, number>()
  let pluginBytes = 0
  let memoryAt: number | undefined
  let disposed = false

  const sampleMemory = (now: number) => {
    memoryAt = now
    rssSamples.push({ at: now, rss: rss() })
    if (rssSamples.length > TREND_SAMPLES) rssSamples.shift()
    retained.clear()
    pluginBytes = 0
    for (const e of store.entries()) {
      const bytes = retainedBy(e)
      retained.set(e.id, bytes)
      pluginBytes += bytes
    }
  }

  const retainedBy = (e: SessionEntry): number => {
    const est = e.estimate()
    return est.store + Object.values(est.hooks).reduce((a, b) => a + b, 0)
  }

  const memoryFor = (entry: SessionEntry): MemoryView => {
    // a session new since the last sample is sized now, once
    if (!retained.has(entry.id)) {
      const bytes = retainedBy(entry)
      retained.set(entry.id, bytes)
      pluginBytes += bytes
    }
    const last = rssSamples[rssSamples.length - 1]
    const first = rssSamples[0]
    const span = last && first ? last.at - first.at : 0
    return {
      sessionBytes: retained.get(entry.id) ?? 0,
      pluginBytes,
      rssBytes: last?.rss ?? 0,
      rssPerMinBytes:
        last && first && span >= TREND_MIN_SPAN_MS ? Math.round(((last.rss - first.rss) / span) * 60_000) : undefined,
    }
  }

  const tick = () => {
    if (disposed) return
    try {
      const now = ctx.now()
      if (memoryAt === undefined || now - memoryAt >= MEMORY_EVERY_MS) sampleMemory(now)
      for (const entry of store.entries()) {
        const snap = buildSnapshot(entry, { limits: ctx.limits, host: ctx.host, todoEnabled, now, memory: memoryFor(entry) })
        publisher.publish(entry.id, contentKey(snap), JSON.stringify(snap))
      }
    } catch (err) {
      logger.hookError(NAME, "publish", err)
    }
  }

  store.onRemove((entry) => {
    try {
      publisher.remove(entry.id)
    } catch (err) {
      logger.hookError(NAME, "remove", err)
    }
  })
  ctx.timers.setInterval(tick, options.sidebar_interval_ms)

  const hook: LongrunHook = {
    name: NAME,
    caches: () => [{ name: "sidebar-files", entries: publisher.sessions.length, bytes: publisher.sessions.length * 200 }],
    status: () => ({
      title: "sidebar",
      data: { dir: publisher.dir, files: publisher.sessions.length, writes: publisher.writes },
      text: `${publisher.sessions.length} snapshot files in ${publisher.dir}, ${publisher.writes} writes so far`,
    }),
    dispose: () => {
      disposed = true
      publisher.removeAll()
    },
  }
  return { hook, tick, publisher }
}
