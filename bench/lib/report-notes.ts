/** The end of the report: the memory watchdog sampler cost and notes on method. */
import { us } from "./report-format"
import type { BenchResults } from "./report-types"

export function notesSection(r: BenchResults): string[] {
  const L: string[] = []
  L.push("## Memory watchdog sampler cost")
  L.push("")
  {
    const w = r.watchdog
    const res = w.result as
      | { nsPerSample?: number; runs?: number[]; defaultIntervalMs?: number; cpuShareAtDefaultInterval?: number }
      | undefined
    L.push(
      !w.available
        ? `Not measured: ${w.reason}.`
        : res && typeof res.nsPerSample === "number"
          ? `\`${w.exportName}()\` from ${w.file} (one sample: process.memoryUsage() plus a ring-buffer push), median of ${res.runs?.length} calls: ` +
            `**${us(res.nsPerSample / 1000)} per sample**` +
            (res.defaultIntervalMs
              ? `; at the default interval of ${res.defaultIntervalMs / 1000} s that is ${(100 * (res.cpuShareAtDefaultInterval ?? 0)).toExponential(1)}% of one core.`
              : ".") +
            ` All calls: ${res.runs?.map((x) => us(x / 1000)).join(", ")}.`
          : `\`${w.exportName}()\` from ${w.file}:\n\n\`\`\`json\n${JSON.stringify(w.result, null, 2)}\n\`\`\``,
    )
  }
  L.push("")

  // ---------------------------------------------------------------- notes
  L.push("## Notes on method")
  L.push("")
  L.push(
    "- Every measurement runs in its own `bun` process (bench/workers/*), so one part's garbage or compiled code never shows up in another's heap.\n" +
      "- JSC scans the native stack conservatively: a stale slot can keep one recently used payload (up to 1 MB here) alive through a forced GC. Each heap figure is the smallest of 3 GC'd samples taken on separate event-loop turns, and medians are over runs; the min–max range across runs is shown in part 1.\n" +
      "- Big strings are cut from one pre-built buffer (`Buffer#toString`, a real copy per payload in parts 1 and 3, so a plugin that kept one would show in the heap), which keeps generation cheap.\n" +
      "- Diffs are generated in the shape OpenCode 1.18.33 actually sends, checked on the real binary: `summary.diffs` entries are `{ file, patch, additions, deletions, status }`, " +
      "and the patch is made with unlimited context, so it holds the whole file (not the `before`/`after` bodies older notes describe). The sizes are the same either way.\n" +
      "- No figure here is asserted anywhere; the benchmark reports, it does not pass or fail.",
  )
  L.push("")
  return L
}
