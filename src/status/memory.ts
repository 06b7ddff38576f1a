import { heapStats } from "bun:jsc"

export interface MemorySample {
  at: number
  rss: number
  heapUsed: number
  heapTotal: number
}

export interface HeapTypeCount {
  type: string
  count: number
}

export interface ProcessMemory {
  rss: number
  heapUsed: number
  heapTotal: number
  /** JavaScriptCore's heapSize/heapCapacity/extraMemorySize, from bun:jsc heapStats() */
  jsc: { heapSize: number; heapCapacity: number; extraMemorySize: number; objectCount: number } | undefined
  /** The most common live cell types. Counts of objects, not bytes: JSC does not size them. */
  topTypes: HeapTypeCount[]
}

/** One cheap sample: process.memoryUsage() only. The watchdog calls this on every tick. */
export function sampleMemory(now: number): MemorySample {
  const m = process.memoryUsage()
  return { at: now, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal }
}

/**
 * The process's memory for longrun_status. heapStats() walks the heap's type table,
 * so it runs only when a report is asked for, never on the sampler's timer.
 */
export function processMemory(topN = 8): ProcessMemory {
  const m = process.memoryUsage()
  let jsc: ProcessMemory["jsc"]
  let topTypes: HeapTypeCount[] = []
  try {
    const s = heapStats()
    jsc = { heapSize: s.heapSize, heapCapacity: s.heapCapacity, extraMemorySize: s.extraMemorySize, objectCount: s.objectCount }
    topTypes = Object.entries(s.objectTypeCounts)
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([type, count]) => ({ type, count }))
  } catch {
    // not running on Bun's JavaScriptCore: the process figures still stand
  }
  return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, jsc, topTypes }
}
