/**
 * The memory watchdog sampler's cost, if src/hooks/memory-watchdog exports a function
 * that measures it (a function whose name contains "cost"). Skips gracefully otherwise.
 */
import { existsSync } from "node:fs"
import { join } from "node:path"
import { emit } from "../lib/worker-io"

const dir = join(import.meta.dir, "../../src/hooks/memory-watchdog")
const candidates = ["index.ts", "cost.ts", "sampler.ts"].map((f) => join(dir, f)).filter((f) => existsSync(f))
if (candidates.length === 0) {
  emit({ available: false, reason: "src/hooks/memory-watchdog does not exist" })
} else {
  let done = false
  for (const file of candidates) {
    const mod = (await import(file)) as Record<string, unknown>
    const name = Object.keys(mod).find((k) => /cost/i.test(k) && typeof mod[k] === "function")
    if (!name) continue
    const fn = mod[name] as (...a: unknown[]) => unknown
    try {
      // Several calls, median: the machine is shared.
      const results: unknown[] = []
      for (let i = 0; i < 5; i++) results.push(await fn())
      let result: unknown = results
      if (results.every((r) => typeof r === "number")) {
        const sorted = (results as number[]).slice().sort((a, b) => a - b)
        const nsPerSample = sorted[2]!
        const { defaultOptions } = await import("../../src/options")
        const intervalMs = (defaultOptions() as { memory_sample_interval_ms?: number }).memory_sample_interval_ms
        result = {
          nsPerSample,
          runs: results,
          defaultIntervalMs: intervalMs,
          cpuShareAtDefaultInterval: intervalMs ? nsPerSample / (intervalMs * 1e6) : undefined,
        }
      }
      emit({ available: true, file: file.slice(file.indexOf("src/")), exportName: name, result })
    } catch (err) {
      emit({ available: false, reason: `${name}() threw: ${String(err)}` })
    }
    done = true
    break
  }
  if (!done) emit({ available: false, reason: "src/hooks/memory-watchdog exports no function whose name contains 'cost'" })
}
