import { heapStats } from "bun:jsc"

/** Live heap after a forced full GC, in bytes (JSC heapSize includes string and other extra memory). */
export function liveHeap(): number {
  Bun.gc(true)
  Bun.gc(true)
  return heapStats().heapSize
}

export interface HeapSample {
  /** JSC heapSize after Bun.gc(true): live objects plus extra memory such as string bodies */
  heapSize: number
  /** heapStats().objectCount after the same GC */
  objects: number
  /** process.memoryUsage().heapUsed (Bun reports the same JSC figure) */
  heapUsed: number
  rss: number
}

export function sampleHeap(): HeapSample {
  Bun.gc(true)
  Bun.gc(true)
  const h = heapStats()
  const m = process.memoryUsage()
  return { heapSize: h.heapSize, objects: h.objectCount, heapUsed: m.heapUsed, rss: m.rss }
}

/**
 * The smallest of several GC'd samples taken on different event-loop turns. JSC scans
 * the native stack conservatively, so a stale slot can pin one recently used payload
 * (up to a MB here) for a moment; taking the minimum over turns removes that noise.
 */
export async function settledHeap(samples = 3): Promise<HeapSample> {
  let best: HeapSample | undefined
  for (let i = 0; i < samples; i++) {
    await Bun.sleep(i === 0 ? 0 : 2)
    const s = sampleHeap()
    if (!best || s.heapSize < best.heapSize) best = s
  }
  return best!
}

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[i]!
}

/**
 * Fixed-size log-bucket latency histogram (2% wide buckets from 10 ns to ~100 s), so
 * recording a million latencies allocates nothing and does not disturb heap figures.
 */
export class LatencyHistogram {
  private static readonly MIN_NS = 10
  private static readonly RATIO = Math.log(1.02)
  private static readonly BUCKETS = 1200
  private readonly counts = new Float64Array(LatencyHistogram.BUCKETS)
  count = 0
  totalMs = 0
  maxMs = 0

  record(ms: number): void {
    const ns = ms * 1e6
    let b = ns <= LatencyHistogram.MIN_NS ? 0 : Math.floor(Math.log(ns / LatencyHistogram.MIN_NS) / LatencyHistogram.RATIO)
    if (b >= LatencyHistogram.BUCKETS) b = LatencyHistogram.BUCKETS - 1
    this.counts[b]!++
    this.count++
    this.totalMs += ms
    if (ms > this.maxMs) this.maxMs = ms
  }

  /** The q-quantile in ms: the upper edge of the bucket holding it (at most 2% high). */
  quantile(q: number): number {
    if (this.count === 0) return NaN
    const target = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (let b = 0; b < LatencyHistogram.BUCKETS; b++) {
      seen += this.counts[b]!
      if (seen >= target)
        return Math.min(this.maxMs, (LatencyHistogram.MIN_NS * Math.exp((b + 1) * LatencyHistogram.RATIO)) / 1e6)
    }
    return this.maxMs
  }

  reset(): void {
    this.counts.fill(0)
    this.count = 0
    this.totalMs = 0
    this.maxMs = 0
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      totalMs: this.totalMs,
      meanUs: this.count ? (this.totalMs / this.count) * 1000 : NaN,
      p50Us: this.quantile(0.5) * 1000,
      p90Us: this.quantile(0.9) * 1000,
      p99Us: this.quantile(0.99) * 1000,
      p999Us: this.quantile(0.999) * 1000,
      maxUs: this.maxMs * 1000,
    }
  }
}

export interface LatencySummary {
  count: number
  totalMs: number
  meanUs: number
  p50Us: number
  p90Us: number
  p99Us: number
  p999Us: number
  maxUs: number
}

export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return "n/a"
  const sign = n < 0 ? "-" : ""
  const a = Math.abs(n)
  if (a < 1024) return `${sign}${Math.round(a)} B`
  if (a < 1024 ** 2) return `${sign}${(a / 1024).toFixed(1)} KB`
  if (a < 1024 ** 3) return `${sign}${(a / 1024 ** 2).toFixed(1)} MB`
  return `${sign}${(a / 1024 ** 3).toFixed(2)} GB`
}

export function fmtNum(n: number, digits = 1): string {
  if (!Number.isFinite(n)) return "n/a"
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString("en-US")
  return n.toFixed(digits)
}

export function fmtRatio(n: number): string {
  if (!Number.isFinite(n)) return "n/a"
  if (n >= 100) return `${Math.round(n).toLocaleString("en-US")}×`
  if (n >= 10) return `${n.toFixed(1)}×`
  return `${n.toFixed(2)}×`
}

/** JSC cell classes that hold compiled code and engine metadata rather than program data. */
const CODE_CLASS = /CodeBlock|Executable|Structure|SymbolTable|RareData|Module|Unlinked|PropertyTable|JSTemplateObjectDescriptor/

/**
 * Live heap split by JSC cell class, from a heap snapshot taken after a forced GC.
 * Used only to explain the heapStats figures: how much of a difference is compiled
 * code and engine metadata (which grows as the JIT tiers code up) and how much is data.
 */
export function heapByKind(): { code: number; data: number; byClass: Record<string, number> } {
  Bun.gc(true)
  const snap = Bun.generateHeapSnapshot() as unknown as { nodes: number[]; nodeClassNames: string[] }
  const byClass: Record<string, number> = {}
  let code = 0
  let data = 0
  for (let i = 0; i < snap.nodes.length; i += 4) {
    const cls = snap.nodeClassNames[snap.nodes[i + 2]!]!
    const size = snap.nodes[i + 1]!
    byClass[cls] = (byClass[cls] ?? 0) + size
    if (CODE_CLASS.test(cls)) code += size
    else data += size
  }
  return { code, data, byClass }
}
