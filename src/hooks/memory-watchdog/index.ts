import { formatBytes, table } from "../../status/format"
import { sampleMemory, type MemorySample } from "../../status/memory"
import type { HookContext, LongrunHook } from "../types"
import { RingBuffer } from "./ring-buffer"

const NAME = "memory-watchdog"
const MB = 1024 * 1024
/** Samples kept: a fixed cost. They are spaced so that they span two growth windows. */
const CAPACITY = 64

export interface WatchdogDeps {
  /** one memory sample; defaults to process.memoryUsage() */
  sample?: (now: number) => MemorySample
}

/**
 * Samples the process's memory on one unref()'d interval into a ring buffer, and
 * warns once per crossing (with hysteresis) when RSS passes a threshold or grows
 * faster than a rate over a window.
 */
export function createMemoryWatchdogHook(ctx: HookContext): LongrunHook {
  return createMemoryWatchdog(ctx).hook
}

/** The watchdog and its sampling step (tests drive `tick` with fake samples and time). */
export function createMemoryWatchdog(ctx: HookContext, deps: WatchdogDeps = {}): { hook: LongrunHook; tick: () => void } {
  const { options, logger } = ctx
  const sample = deps.sample ?? sampleMemory
  const samples = new RingBuffer<MemorySample>(CAPACITY)
  // Frequent sampling must not shrink the span the ring covers below the growth window.
  const spacing = Math.floor(options.memory_growth_window_ms / (CAPACITY / 2))
  let latest: MemorySample | undefined
  const warnAt = options.memory_rss_warn_mb * MB
  const rateLimit = options.memory_growth_warn_mb_per_min
  let rssArmed = true
  let growthArmed = true
  const warnings: Array<{ at: number; kind: "rss" | "growth"; text: string }> = []

  /** What is large, for the warning: the sessions whose events carried the most bytes. */
  const largestSessions = (): string => {
    const top = ctx.store
      .entries()
      .map((e) => ({ id: e.id, bytes: e.textBytes + e.toolOutputBytes + e.diffBodyBytes }))
      .filter((s) => s.bytes > 0)
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 3)
    return top.length
      ? ` Busiest sessions by payload through events: ${top.map((s) => `${s.id} (${formatBytes(s.bytes)})`).join(", ")}.`
      : ""
  }
  const ADVICE = " What helps: compact long sessions (/compact), close sessions you no longer need, or restart OpenCode."

  const warn = (kind: "rss" | "growth", text: string) => {
    const full = text + largestSessions() + ADVICE
    warnings.push({ at: ctx.now(), kind, text })
    if (warnings.length > 10) warnings.shift()
    logger.log("warn", full)
    logger.toast(full, "warning", "Memory", 15_000)
  }

  /** Growth in MB per minute over the window, or undefined until the samples span half of it. */
  const growthRate = (latest: MemorySample): number | undefined => {
    const windowStart = latest.at - options.memory_growth_window_ms
    const oldest = samples.toArray().find((s) => s.at >= windowStart)
    if (!oldest || latest.at - oldest.at < options.memory_growth_window_ms / 2) return undefined
    return (latest.rss - oldest.rss) / MB / ((latest.at - oldest.at) / 60_000)
  }

  const tick = () => {
    const s = sample(ctx.now())
    latest = s
    const last = samples.latest()
    if (!last || s.at - last.at >= spacing) samples.push(s)
    if (warnAt > 0) {
      if (rssArmed && s.rss >= warnAt) {
        rssArmed = false
        warn(
          "rss",
          `OpenCode's memory (RSS) is ${formatBytes(s.rss)}, above the ${options.memory_rss_warn_mb} MB warning level; JS heap ${formatBytes(s.heapUsed)} used.`,
        )
      } else if (!rssArmed && s.rss < warnAt * 0.9) {
        rssArmed = true // fell clearly below: the next crossing warns again
      }
    }
    const rate = growthRate(s)
    Object.assign(ctx.store.processFact, { rss: s.rss, heapUsed: s.heapUsed, growthMbPerMin: rate, at: s.at })
    if (rateLimit > 0) {
      if (rate === undefined) return
      if (growthArmed && rate >= rateLimit) {
        growthArmed = false
        warn(
          "growth",
          `OpenCode's memory is growing ${rate.toFixed(0)} MB/min (RSS ${formatBytes(s.rss)}), faster than the ${rateLimit} MB/min warning level.`,
        )
      } else if (!growthArmed && rate < rateLimit / 2) {
        growthArmed = true
      }
    }
  }

  if (options.memory_sample_interval_ms > 0) {
    ctx.timers.setInterval(tick, options.memory_sample_interval_ms)
    // One sample at once, for the fact only (the sidebar shows it from the start); warnings wait
    // for the interval: client calls made while OpenCode loads plugins can stall.
    const first = sample(ctx.now())
    Object.assign(ctx.store.processFact, { rss: first.rss, heapUsed: first.heapUsed, at: first.at })
  }

  const hook: LongrunHook = {
    name: NAME,
    caches: () => [{ name: "memory-samples", entries: samples.size, bytes: 64 + CAPACITY * 72 }],
    status: () => {
      const recent = samples.toArray().slice(-5)
      const rate = latest ? growthRate(latest) : undefined
      const lines = [
        options.memory_sample_interval_ms > 0
          ? `sampling every ${options.memory_sample_interval_ms} ms, ${samples.size}/${CAPACITY} samples kept; warns above ${options.memory_rss_warn_mb} MB RSS or ${rateLimit} MB/min`
          : "sampling off (memory_sample_interval_ms is 0)",
      ]
      if (rate !== undefined) lines.push(`growth over the window: ${rate.toFixed(1)} MB/min`)
      if (recent.length)
        lines.push(
          table(
            ["sample", "rss", "heap used"],
            recent.map((s) => [new Date(s.at).toISOString().slice(11, 19), formatBytes(s.rss), formatBytes(s.heapUsed)]),
          ),
        )
      for (const w of warnings.slice(-3)) lines.push(`warned ${new Date(w.at).toISOString().slice(11, 19)}: ${w.text}`)
      return {
        title: "memory watchdog",
        data: { samples: samples.toArray(), growthMbPerMin: rate, warnings: [...warnings], rssArmed, growthArmed },
        text: lines.join("\n"),
      }
    },
  }
  return { hook, tick }
}

/** Nanoseconds per watchdog sample (process.memoryUsage() plus the ring buffer), for the benchmark. */
export function measureSamplerCost(iterations = 10_000): number {
  const ring = new RingBuffer<MemorySample>(CAPACITY)
  const start = Bun.nanoseconds()
  for (let i = 0; i < iterations; i++) ring.push(sampleMemory(i))
  return (Bun.nanoseconds() - start) / iterations
}
