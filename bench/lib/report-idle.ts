/** The idle-CPU part of the report: markdown lines, also printed alone by `bun run bench idle`. */
import type { IdleRun } from "../workers/idle"
import { fmtRatio } from "./measure"

export interface IdleResults {
  args: { sessions: number; idleMs: number; configs: Array<{ name: string; options?: Record<string, unknown> }> }
  runs: IdleRun[]
}

export function idleSection(idle: IdleResults | undefined): string[] {
  const L: string[] = ["## 5. Idle CPU", ""]
  if (!idle) return [...L, "Skipped in quick mode.", ""]
  const a = idle.args
  const withOptions = a.configs.filter((c) => c.options && Object.keys(c.options).length > 0)
  L.push(
    `The real \`opencode serve\` once per configuration, each given ${a.sessions} finished sessions (one bash step of ~20 KB output and a closing reply each), then left alone for ${a.idleMs / 1000} s. ` +
      "CPU seconds (user + system) of the opencode process and its descendants over that window, from utime + stime in /proc/<pid>/stat (1/100 s ticks). " +
      "The servers start one after another, the sessions run side by side and the idle windows overlap, so every configuration sees the same machine load. " +
      `Plugin options: ${withOptions.map((c) => `${c.name}: \`${JSON.stringify(c.options)}\``).join("; ") || "defaults"}` +
      " (a short sweep_interval_ms makes a per-sweep cost visible within the idle window; the default is 60 s). " +
      "Ratios are against the first no-plugin run; the second no-plugin run shows the noise between two identical runs.",
  )
  L.push("")
  const none = idle.runs.find((r) => r.config === "none" && r.ok)
  const ratio = (x: number | undefined) => (x !== undefined && none?.idleCpuS ? `**${fmtRatio(x / none.idleCpuS)}**` : "n/a")
  L.push("| configuration | longrun loaded | idle CPU s (user + system) | share of one core | vs none | RSS at end |")
  L.push("| --- | --- | ---: | ---: | ---: | ---: |")
  for (const r of idle.runs) {
    if (!r.ok) {
      L.push(`| ${r.config} | failed: ${(r.error ?? "").split("\n")[0]!.slice(0, 200)} | | | | |`)
      continue
    }
    const cpu = r.idleCpuS ?? NaN
    L.push(
      `| ${r.config} | ${r.longrunToolOffered ? "yes" : "no"} | ${cpu.toFixed(2)} (${(r.idleUserS ?? NaN).toFixed(2)} + ${(r.idleSystemS ?? NaN).toFixed(2)}) | ` +
        `${((100 * cpu) / (r.idleWallS ?? NaN)).toFixed(2)}% | ${ratio(r.idleCpuS)} | ${r.rssKB ? `${(r.rssKB / 1024).toFixed(0)} MB` : "n/a"} |`,
    )
  }
  L.push("")
  return L
}

/** Headline bullets: each configuration's idle CPU against the first no-plugin run. */
export function idleHeadline(idle: IdleResults | undefined): string[] {
  if (!idle) return []
  const none = idle.runs.find((r) => r.config === "none" && r.ok)
  return idle.runs
    .filter((r) => r.config !== "none")
    .map((r) =>
      r.ok && none?.idleCpuS
        ? `- **Idle CPU, ${r.config.startsWith("none") ? `${r.config}, no plugin: the noise between two identical runs` : r.config}**: ${(r.idleCpuS ?? NaN).toFixed(2)} CPU s in ${(r.idleWallS ?? NaN).toFixed(0)} s idle vs ${none.idleCpuS.toFixed(2)} without plugins (**${fmtRatio((r.idleCpuS ?? NaN) / none.idleCpuS)}**).`
        : `- **Idle CPU, ${r.config}**: not measured (${r.error ?? "the no-plugin run failed"}).`,
    )
}
