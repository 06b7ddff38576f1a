/** Part 4 of the report: RSS of the real OpenCode with and without plugins. */
import { fmtBytes, fmtNum, fmtRatio } from "./measure"
import { mb, table } from "./report-format"
import type { BenchResults } from "./report-types"

export function opencodeSection(r: BenchResults): string[] {
  const L: string[] = []
  L.push("## 4. Real OpenCode")
  L.push("")
  if (!r.opencode) {
    L.push("Skipped in quick mode.")
  } else {
    const a = r.opencode.args as { prompts: number; stepsPerPrompt: number; outputBytes: number }
    L.push(
      `The real \`opencode serve\` (testkit/opencode/harness.ts: isolated temp project and XDG dirs) driven by the scripted model through one long session: ${a.prompts} user turns, each ${a.stepsPerPrompt} tool steps and a closing reply (${a.prompts * (a.stepsPerPrompt + 1)} model requests), ` +
        `each step a bash call printing ~${Math.round(a.outputBytes / 1024)} KB; every 10th step also writes that log into one of 4 files in the project, so OpenCode's snapshots put those files' diffs (patches with whole-file context) into summary.diffs (${a.prompts * a.stepsPerPrompt} tool steps, OpenCode truncates what the model sees to its own limits), usage kept below every compaction threshold so every run does the same work. ` +
        `RSS of the opencode process read from /proc/<pid>/status every 200 ms (mean and peak of the samples; VmHWM is the kernel's own peak). One run per configuration in the same bench run: the servers start one after another, then the ${r.opencode.runs.length} sessions run side by side, so they share the same machine load (durations include that contention). Ratios are against the first no-plugin run; a second no-plugin run (\`none (again)\`) shows how far two identical runs of OpenCode differ, so a plugin's ratio means something only where it is outside that spread. RSS in a garbage-collected runtime depends on when the collector ran, which is why the mean over the session is shown next to the peak and the final figure.` +
        (r.opencode.omoEntry
          ? ` oh-my-opencode@4.19.4 was installed with npm into a temp dir outside the project (${r.opencode.omoInstallMs !== undefined ? `${(r.opencode.omoInstallMs / 1000).toFixed(0)} s, reused between runs` : ""}).`
          : ""),
    )
    L.push("")
    const none = r.opencode.runs.find((x) => x.config === "none" && x.ok)
    const ratio = (x: number | undefined, y: number | undefined) => (x && y ? fmtRatio(x / y) : "n/a")
    L.push(
      table(
        [
          "configuration",
          "loaded",
          "RSS when ready",
          "mean RSS (samples)",
          "peak RSS (sampled)",
          "VmHWM",
          "final RSS (idle, +2 s)",
          "mean vs none",
          "peak vs none",
          "final vs none",
          "duration",
          "tool steps",
          "events seen (with summary.diffs, their bodies)",
        ],
        r.opencode.runs.map((x) =>
          x.ok
            ? [
                x.config,
                `${x.toolsOffered} tools offered${x.longrunToolOffered ? " (incl. longrun_status)" : ""}`,
                mb(x.startRssKB),
                mb(x.meanRssKB),
                mb(x.peakRssKB),
                mb(x.hwmKB),
                mb(x.finalRssKB),
                `**${ratio(x.meanRssKB, none?.meanRssKB)}**`,
                `**${ratio(x.peakRssKB, none?.peakRssKB)}**`,
                `**${ratio(x.finalRssKB, none?.finalRssKB)}**`,
                `${((x.durationMs ?? 0) / 1000).toFixed(0)} s`,
                String(x.toolSteps),
                `${fmtNum(x.events ?? NaN, 0)} (${x.diffEvents}, ${fmtBytes(x.diffBytes ?? NaN)})`,
              ]
            : [x.config, `failed: ${(x.error ?? "").split("\n")[0]!.slice(0, 200)}`, "", "", "", "", "", "", "", "", "", "", ""],
        ),
      ),
    )
  }
  L.push("")
  return L
}
