/**
 * Part 1: the event path. One long generated session fed through the plugin's real
 * entry (createLongrun, every hook on, a fake client). At each checkpoint: event rate
 * and latency percentiles for the segment, live heap after a forced GC, and the
 * plugin's own attribution (status().retainedBytes).
 */
import { createLongrun } from "../../src/plugin"
import { systemClock } from "../../src/runtime/clock"
import { benchClient, providersResponse } from "../lib/fake-client"
import { applyStep } from "../lib/drive"
import { heapByKind, LatencyHistogram, settledHeap, type LatencySummary } from "../lib/measure"
import { DEFAULT_SPEC, describeSpec, newStats, payloadSourceFor, sessionStream, type StreamSpec } from "../lib/session-gen"
import { argJson, emit, progress } from "../lib/worker-io"

interface Args {
  messages: number
  checkpoints: number[]
  spec?: Partial<StreamSpec>
  options?: Record<string, unknown>
  warmupMessages?: number
}

/** Throughput and latency over a stretch of the stream (a segment, or the whole run). */
export interface SegmentStats {
  events: number
  pluginMs: number
  wallMs: number
  eventsPerSec: number
  latency: LatencySummary
  bigLatency: LatencySummary
  toolAfter: LatencySummary
}

export interface Checkpoint {
  messages: number
  events: number
  /** segment since the previous checkpoint */
  segment: SegmentStats
  /** live heap after GC minus the heap before the plugin was created */
  retainedHeap: number
  retainedObjects: number
  /** per heap snapshot: change in compiled code and engine metadata since the baseline */
  codeDelta: number
  /** per heap snapshot: change in everything else (program data) since the baseline */
  dataDelta: number
  rss: number
  attributed: number
  attributedByCache: Record<string, number>
  storeSessions: number
  messagesKept: number
  payloadBytesSoFar: number
}

const args = argJson<Args>()
const spec: StreamSpec = { ...DEFAULT_SPEC, ...args.spec, sessionID: "ses_bench_long", messages: args.messages }
const checkpoints = new Set(args.checkpoints)

// Everything the harness itself needs is allocated before the first heap sample.
const src = payloadSourceFor(spec)
const stats = newStats()
const control = { compactionRequested: false }
const clock = { t: 1_700_000_000_000 }
const histAll = new LatencyHistogram()
const histBig = new LatencyHistogram()
const histTool = new LatencyHistogram()
const segAll = new LatencyHistogram()
const segBig = new LatencyHistogram()
const segTool = new LatencyHistogram()
const results: Checkpoint[] = []
const fake = benchClient({
  "session.summarize": () => {
    control.compactionRequested = true
    return { data: true }
  },
  "config.providers": () => providersResponse({ context: spec.context, output: spec.output }),
})

// Warm-up: a throwaway plugin instance runs a short session first, so code compiled on
// first use (JIT code, structures, which JSC also keeps in its heap) is in the baseline
// rather than counted as retained by the measured instance.
async function warmUp(): Promise<void> {
  const wSpec: StreamSpec = {
    ...spec,
    ownedPayloads: false,
    sessionID: "ses_warmup",
    messages: Math.min(args.warmupMessages ?? 1_500, spec.messages),
  }
  const wControl = { compactionRequested: false }
  const wClock = { t: clock.t }
  const wFake = benchClient({
    "session.summarize": () => {
      wControl.compactionRequested = true
      return { data: true }
    },
  })
  const w = await createLongrun(wFake.input, args.options ?? {}, { clock: { ...systemClock, now: () => wClock.t } })
  await w.hooks.config?.({} as never)
  for (const step of sessionStream(wSpec, wControl, wClock, newStats(), src)) {
    if (step.kind === "message" && step.count % 500 === 0) {
      // the checkpoint code paths too
      w.internals.status()
      await settledHeap(1)
    }
    await applyStep(w.hooks, step, () => w.internals.router.flush())
  }
  await w.hooks.dispose?.()
}
await warmUp()
const base = await settledHeap()
const baseKinds = heapByKind()

const { hooks, internals } = await createLongrun(fake.input, args.options ?? {}, {
  clock: { ...systemClock, now: () => clock.t },
})
await hooks.config?.({} as never)
const settle = () => internals.router.flush()
const empty = await settledHeap()

let segStart = performance.now()
let segPluginMs = 0
let segEvents = 0
const t0 = performance.now()
let pluginMs = 0
for (const step of sessionStream(spec, control, clock, stats, src)) {
  if (step.kind === "message") {
    if (!checkpoints.has(step.count)) continue
    const wallMs = performance.now() - segStart
    await settle()
    const heap = await settledHeap()
    const kinds = heapByKind()
    const status = internals.status()
    const byCache: Record<string, number> = {}
    for (const c of status.caches) byCache[c.name] = c.bytes
    results.push({
      messages: step.count,
      events: stats.events,
      segment: {
        events: segEvents,
        pluginMs: segPluginMs,
        wallMs,
        eventsPerSec: segEvents / (segPluginMs / 1000),
        latency: segAll.summary(),
        bigLatency: segBig.summary(),
        toolAfter: segTool.summary(),
      },
      retainedHeap: heap.heapSize - base.heapSize,
      retainedObjects: heap.objects - base.objects,
      codeDelta: kinds.code - baseKinds.code,
      dataDelta: kinds.data - baseKinds.data,
      rss: heap.rss,
      attributed: status.retainedBytes,
      attributedByCache: byCache,
      storeSessions: status.store.sessions,
      messagesKept: status.sessions[0]?.messages ?? 0,
      payloadBytesSoFar: stats.payloadBytes,
    })
    progress(
      `${step.count} messages: ${segEvents} events in ${segPluginMs.toFixed(0)} ms of plugin time, retained heap ${((heap.heapSize - base.heapSize) / 1024).toFixed(0)} KB (code ${((kinds.code - baseKinds.code) / 1024).toFixed(0)} KB, data ${((kinds.data - baseKinds.data) / 1024).toFixed(0)} KB), attributed ${(status.retainedBytes / 1024).toFixed(0)} KB`,
    )
    segAll.reset()
    segBig.reset()
    segTool.reset()
    segEvents = 0
    segPluginMs = 0
    segStart = performance.now()
    continue
  }
  const dt = await applyStep(hooks, step, settle)
  pluginMs += dt
  segPluginMs += dt
  if (step.kind === "event") {
    segEvents++
    histAll.record(dt)
    segAll.record(dt)
    if (step.bytes >= 100 * 1024) {
      histBig.record(dt)
      segBig.record(dt)
    }
  } else if (step.name === "tool.execute.after") {
    histTool.record(dt)
    segTool.record(dt)
  }
}
const totalWallMs = performance.now() - t0
await settle()
const clientCalls = Object.fromEntries([...fake.counts].sort())
// What the plugin itself says it saw, to compare with what was generated.
const seen = internals.status().sessions.find((x) => x.id === spec.sessionID)
const pluginSaw = seen
  ? {
      toolOutputBytes: seen.toolOutputBytes,
      diffBodyBytes: seen.diffBodyBytes,
      textBytes: seen.textBytes,
      largestPayloads: seen.largestPayloads,
    }
  : undefined
await hooks.dispose?.()

emit({
  spec,
  described: describeSpec(spec),
  stats,
  emptyPluginHeap: empty.heapSize - base.heapSize,
  baseHeap: base.heapSize,
  checkpoints: results,
  total: {
    events: stats.events,
    pluginMs,
    wallMs: totalWallMs,
    eventsPerSec: stats.events / (pluginMs / 1000),
    latency: histAll.summary(),
    bigLatency: histBig.summary(),
    toolAfter: histTool.summary(),
  },
  clientCalls,
  pluginSaw,
  hooksLoaded: internals.hooks.map((h) => h.name),
})
