/**
 * Part 3: many sessions that go idle and are never deleted. Heap after a forced GC for
 * the empty plugin, after N sessions, and after their TTL has passed and the plugin's
 * own sweep timer has run once (the clock is moved with the `now` override; the sweep
 * interval is real, so the worker waits for one tick).
 */
import { createLongrun } from "../../src/plugin"
import { systemClock } from "../../src/runtime/clock"
import { benchClient, providersResponse } from "../lib/fake-client"
import { applyStep } from "../lib/drive"
import { heapByKind, settledHeap } from "../lib/measure"
import { DEFAULT_SPEC, newStats, payloadSourceFor, sessionStream, type StreamSpec } from "../lib/session-gen"
import { argJson, emit, progress } from "../lib/worker-io"

interface Args {
  sessions: number
  messagesPerSession: number
  options?: Record<string, unknown>
}

const args = argJson<Args>()
const sweepMs = 1_000
const options = { sweep_interval_ms: sweepMs, ...args.options }
const sessionSpec = (i: number, prefix: string): StreamSpec => ({
  ...DEFAULT_SPEC,
  sessionID: `ses_${prefix}_${String(i).padStart(5, "0")}`,
  messages: args.messagesPerSession,
  stepsPerTurn: 4,
  smallToolBytes: 8 * 1024,
  bigToolEvery: 5,
  bigToolSizes: [200 * 1024],
  diffEveryTurns: 2,
  diffFiles: 1,
  diffPatchBytes: 512 * 1024,
  diffResends: 2,
  stepSeconds: 0,
})
const src = payloadSourceFor(sessionSpec(0, "x"))

/** Feeds `count` short sessions (half of them children of the first) and leaves them idle. */
async function feed(p: Awaited<ReturnType<typeof createLongrun>>, count: number, prefix: string, owned: boolean) {
  const control = { compactionRequested: false }
  for (let i = 0; i < count; i++) {
    const spec = { ...sessionSpec(i, prefix), ownedPayloads: owned }
    const info = { id: spec.sessionID, parentID: i % 2 ? `ses_${prefix}_00000` : undefined, title: `bench ${i}` }
    await applyStep(p.hooks, {
      kind: "event",
      event: { type: "session.created", properties: { sessionID: spec.sessionID, info } },
      bytes: 0,
    })
    for (const step of sessionStream(spec, control, { t: 1_700_000_000_000 }, newStats(), src)) {
      await applyStep(p.hooks, step, () => p.internals.router.flush())
    }
  }
}

let t = 1_700_000_000_000
const now = () => t
const make = async () => {
  const fake = benchClient({ "config.providers": () => providersResponse({ context: 200_000, output: 32_000 }) })
  const p = await createLongrun(fake.input, options, { clock: { ...systemClock, now } })
  await p.hooks.config?.({} as never)
  return p
}
async function waitForSweep(p: Awaited<ReturnType<typeof createLongrun>>, deadlineMs: number): Promise<number> {
  const start = performance.now()
  while (p.internals.ctx.store.size > 0 && performance.now() - start < deadlineMs) await Bun.sleep(50)
  return performance.now() - start
}

// Warm-up on a throwaway instance so compiled code is part of the baseline.
{
  const w = await make()
  await feed(w, args.sessions, "warm", false)
  w.internals.status()
  t += (w.internals.ctx.options.session_ttl_ms ?? 0) + 1
  await waitForSweep(w, 3 * sweepMs)
  await w.hooks.dispose?.()
}

const base = await settledHeap()
const p = await make()
const empty = await settledHeap()
// Taken after the empty sample, so its own garbage cannot inflate it.
const emptyKinds = heapByKind()
const t0 = performance.now()
await feed(p, args.sessions, "bench", true)
const feedMs = performance.now() - t0
await p.internals.router.flush()
const full = await settledHeap()
const fullAttributed = p.internals.status().retainedBytes
const storeAfterFeed = { ...p.internals.ctx.store.stats, sessions: p.internals.ctx.store.size }
const messageRecords = p.internals.ctx.store.entries().reduce((a, e) => a + e.messages.size, 0)
progress(
  `${args.sessions} sessions fed in ${feedMs.toFixed(0)} ms: ${storeAfterFeed.sessions} kept, heap +${((full.heapSize - base.heapSize) / 1024).toFixed(0)} KB`,
)

// Move the clock past the TTL; the plugin's own sweep timer does the rest.
const ttl = p.internals.ctx.options.session_ttl_ms
t += ttl + 1
const waitedMs = await waitForSweep(p, 5 * sweepMs)
const swept = await settledHeap()
const sweptStatus = p.internals.status()
const sweptKinds = heapByKind()
progress(
  `after TTL + sweep (${waitedMs.toFixed(0)} ms wait): ${p.internals.ctx.store.size} kept, heap +${((swept.heapSize - base.heapSize) / 1024).toFixed(0)} KB`,
)

emit({
  sessions: args.sessions,
  messagesPerSession: args.messagesPerSession,
  options: { ...options, max_sessions: p.internals.ctx.options.max_sessions, session_ttl_ms: ttl },
  feedMs,
  waitedForSweepMs: waitedMs,
  emptyPlugin: empty.heapSize - base.heapSize,
  afterSessions: full.heapSize - base.heapSize,
  afterSweep: swept.heapSize - base.heapSize,
  /** per heap snapshots: how the after-sweep residual splits into compiled code and data */
  residualSplit: { code: sweptKinds.code - emptyKinds.code, data: sweptKinds.data - emptyKinds.data },
  rss: { empty: empty.rss, afterSessions: full.rss, afterSweep: swept.rss },
  entries: {
    afterSessions: storeAfterFeed.sessions,
    afterSweep: p.internals.ctx.store.size,
    messageRecordsAfterSessions: messageRecords,
  },
  storeStats: { afterSessions: storeAfterFeed, afterSweep: { ...p.internals.ctx.store.stats } },
  attributed: { afterSessions: fullAttributed, afterSweep: sweptStatus.retainedBytes },
  cachesAfterSweep: sweptStatus.caches.filter((c) => c.entries > 0 || c.bytes > 0),
})
await p.hooks.dispose?.()
