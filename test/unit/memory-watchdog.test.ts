import { describe, expect, test } from "bun:test"
import { createMemoryWatchdog, measureSamplerCost } from "../../src/hooks/memory-watchdog"
import { RingBuffer } from "../../src/hooks/memory-watchdog/ring-buffer"
import type { HookContext } from "../../src/hooks/types"
import type { MemorySample } from "../../src/status/memory"
import { ev } from "../../testkit/events"
import { pluginHarness } from "../../testkit/plugin-harness"

const MB = 1024 * 1024

describe("RingBuffer", () => {
  test("keeps the newest `capacity` items, oldest first", () => {
    const r = new RingBuffer<number>(3)
    expect(r.toArray()).toEqual([])
    expect(r.latest()).toBeUndefined()
    for (let i = 1; i <= 7; i++) r.push(i)
    expect(r.size).toBe(3)
    expect(r.toArray()).toEqual([5, 6, 7])
    expect(r.latest()).toBe(7)
  })
  test("rejects a capacity that is not a positive integer", () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError)
  })
})

/** A watchdog fed by a list of RSS values (MB), one per tick, one minute apart. */
async function watchdog(options: Record<string, unknown>) {
  let rssMb = 0
  let watch: ReturnType<typeof createMemoryWatchdog> | undefined
  const h = await pluginHarness(
    { memory_sample_interval_ms: 0, ...options },
    {
      factories: [
        [
          "memory-watchdog",
          (ctx: HookContext) => {
            watch = createMemoryWatchdog(ctx, {
              sample: (at): MemorySample => ({ at, rss: rssMb * MB, heapUsed: 10 * MB, heapTotal: 20 * MB }),
            })
            return watch.hook
          },
        ],
      ],
    },
  )
  const feed = async (values: number[], every = 60_000) => {
    for (const v of values) {
      rssMb = v
      watch!.tick()
      await h.clock.advance(every)
    }
  }
  const warnings = () => h.fake.toasts().filter((t) => t.message.includes("OpenCode's memory"))
  return { ...h, feed, warnings, watch: watch! }
}

describe("memory watchdog", () => {
  test("frequent samples still cover the growth window: fast growth warns", async () => {
    const w = await watchdog({ memory_rss_warn_mb: 0, memory_growth_warn_mb_per_min: 100, memory_growth_window_ms: 5 * 60_000 })
    // one sample a second for six minutes, growing 200 MB a minute
    await w.feed(
      Array.from({ length: 360 }, (_, i) => 500 + (i * 200) / 60),
      1_000,
    )
    expect(w.warnings()).toHaveLength(1)
    expect(w.internals.ctx.store.processFact.growthMbPerMin).toBeCloseTo(200, 0)
  })

  test("warns once when RSS crosses the threshold, re-arms only below 90% of it", async () => {
    const w = await watchdog({ memory_rss_warn_mb: 1000, memory_growth_warn_mb_per_min: 0 })
    await w.feed([800, 1001, 1200, 950, 1100]) // 950 is above 900: still disarmed
    expect(w.warnings()).toHaveLength(1)
    expect(w.warnings()[0]!.message).toContain("above the 1000 MB warning level")
    expect(w.warnings()[0]!.message).toContain("compact long sessions")
    expect(w.warnings()[0]!.variant).toBe("warning")
    await w.feed([850, 1050]) // below 900 re-arms; the next crossing warns again
    expect(w.warnings()).toHaveLength(2)
  })

  test("warns when RSS grows faster than the rate over the window, once per episode", async () => {
    const w = await watchdog({ memory_rss_warn_mb: 0, memory_growth_warn_mb_per_min: 100, memory_growth_window_ms: 4 * 60_000 })
    await w.feed([500, 520, 540, 560]) // 20 MB/min
    expect(w.warnings()).toHaveLength(0)
    await w.feed([800, 1100, 1400]) // fast growth
    expect(w.warnings()).toHaveLength(1)
    expect(w.warnings()[0]!.message).toMatch(/growing \d+ MB\/min/)
    await w.feed([1500, 1600]) // still growing above 50 MB/min: no repeat
    expect(w.warnings()).toHaveLength(1)
    await w.feed([1600, 1600, 1600, 1600]) // flat: re-armed
    await w.feed([1900, 2200, 2500])
    expect(w.warnings()).toHaveLength(2)
  })

  test("no growth verdict until the samples span half the window", async () => {
    const w = await watchdog({ memory_rss_warn_mb: 0, memory_growth_warn_mb_per_min: 100, memory_growth_window_ms: 10 * 60_000 })
    await w.feed([100, 900, 1700, 2500]) // huge jumps, but only 3 minutes of samples
    expect(w.warnings()).toHaveLength(0)
    await w.feed([3300, 4100])
    expect(w.warnings()).toHaveLength(1)
  })

  test("the warning names the sessions carrying the most payload", async () => {
    const w = await watchdog({ memory_rss_warn_mb: 100, memory_growth_warn_mb_per_min: 0 })
    await w.send(ev.toolPart("ses_big", "msg_1", "p1", "bash", "x".repeat(300_000)))
    await w.feed([200])
    expect(w.warnings()[0]!.message).toContain("ses_big (293.0 KB)")
  })

  test("its memory is fixed: 1,000 ticks keep 64 samples", async () => {
    const w = await watchdog({ memory_rss_warn_mb: 0, memory_growth_warn_mb_per_min: 0 })
    await w.feed(Array.from({ length: 1000 }, (_, i) => i))
    const report = w.internals.status()
    const cache = report.caches.find((c) => c.name === "memory-samples")!
    expect(cache.entries).toBe(64)
    const section = report.sections.find((s) => s.hook === "memory-watchdog")!
    expect((section.data as { samples: unknown[] }).samples).toHaveLength(64)
  })

  test("interval 0 starts no timer; a positive interval starts one unref'd timer", async () => {
    const off = await pluginHarness({ memory_sample_interval_ms: 0 })
    const on = await pluginHarness({ memory_sample_interval_ms: 5_000 })
    expect(on.internals.ctx.timers.size - off.internals.ctx.timers.size).toBe(1)
    await on.hooks.dispose!()
    expect(on.internals.ctx.timers.size).toBe(0)
  })

  test("longrun_status has a memory section, as text and as data", async () => {
    const h = await pluginHarness()
    const text = String(await h.hooks.tool!.longrun_status!.execute({} as never, { sessionID: "s" } as never))
    expect(text).toMatch(/memory\nprocess: RSS [\d.]+ MB, JS heap used [\d.]+ (MB|KB) \(heapTotal/)
    expect(text).toContain("most common objects on the JS heap (counts, not sizes)")
    const data = JSON.parse(
      String(await h.hooks.tool!.longrun_status!.execute({ format: "json" } as never, { sessionID: "s" } as never)),
    )
    expect(data.memory.rss).toBeGreaterThan(10 * MB)
    expect(data.memory.topTypes.length).toBeGreaterThan(0)
    expect(typeof data.memory.topTypes[0].count).toBe("number")
  })

  test("the sampler's cost is measurable", () => {
    expect(measureSamplerCost(100)).toBeGreaterThan(0)
  })
})
