/** Markdown for the context pruning section of bench/RESULTS.md. */
import type { RunResult } from "./types"

const n = (x: number) => Math.round(x).toLocaleString("en-US")
const ms = (x: number | undefined) => (x === undefined ? "-" : `${x.toFixed(3)} ms`)
const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : "-")

export function renderMarkdown(r: {
  started: string
  machine: Record<string, string>
  turns: number
  timing: any
  runs: RunResult[]
}): string {
  const base = r.runs[0]
  const plug = r.runs[1]
  const out: string[] = []
  out.push("## Context pruning", "")
  out.push(
    `Run ${r.started} with \`flock /tmp/longrun-opencode.lock bun run bench/run.ts pruning\` on ${r.machine.nproc} cores (${(r.machine.cpu ?? "").trim()}), ${r.machine.mem} RAM, load ${r.machine.loadavg}; bun ${r.machine.bun}, OpenCode ${r.machine.opencode}, plugin ${r.machine.plugin}.`,
    "",
  )
  out.push(
    `One scripted session of ${r.turns} user turns in real OpenCode (see bench/pruning/session.ts): each turn re-reads three files (one never changes, one is edited every turn, one a command rewrites every third turn), reruns an identical test command and a failing check (twice), rewrites a generated file and reads it back, and every other turn makes an edit that fails with a long argument. The same session runs once per configuration below, in the same run, each in its own OpenCode server; the model server measured what it received. Ratios are against the first column.`,
    "",
  )
  for (const run of r.runs) if (!run.ok) out.push(`**${run.config} failed:** ${run.error}`, "")
  const ok = r.runs.filter((x) => x.ok)
  if (base?.ok && ok.length > 1) {
    const row = (label: string, cell: (x: RunResult) => string) => out.push(`| ${label} | ${ok.map(cell).join(" | ")} |`)
    out.push(`| | ${ok.map((x) => x.config).join(" | ")} |`, `|---|${ok.map(() => "---").join("|")}|`)
    row("agent requests", (x) => String(x.requests))
    row(
      "chars sent to the model (whole request bodies)",
      (x) => `${n(x.bodyChars)}${x === base ? "" : ` (**${ratio(x.bodyChars, base.bodyChars)}**)`}`,
    )
    row(
      "chars of messages only (no system prompt or tool schemas)",
      (x) => `${n(x.messageChars)}${x === base ? "" : ` (${ratio(x.messageChars, base.messageChars)})`}`,
    )
    row("last request", (x) => `${n(x.lastBodyChars)}${x === base ? "" : ` (${ratio(x.lastBodyChars, base.lastBodyChars)})`}`)
    row(
      "prompt prefix breaks (a request not extending the previous one)",
      (x) => `${x.breaks} (${(x.breaks / r.turns).toFixed(2)} per user turn)`,
    )
    row(
      "chars past the common prefix with the previous request (a prompt cache misses these)",
      (x) => `${n(x.uncachedChars)}${x === base ? "" : ` (${ratio(x.uncachedChars, base.uncachedChars)})`}`,
    )
    row("stored session (text and tool parts, temp dir normalised)", (x) =>
      x === base
        ? "reference"
        : `${JSON.stringify(x.stored) === JSON.stringify(base.stored) ? "identical" : "**differs**"}${x.storedHasPlaceholder ? ", **holds a placeholder**" : ""}`,
    )
    out.push("")
  }
  if (base?.ok && plug?.ok) {
    const atTurnStart = plug.breakAt.filter((i) => plug.turnStarts.includes(i)).length
    out.push(
      `With the defaults the prefix broke at requests ${plug.breakAt.join(", ") || "none"} (0-based), ${atTurnStart} of them a user turn's first request (turn starts: ${plug.turnStarts.join(", ")}).`,
      "",
    )
    const s = plug.status?.sessions?.find((x: any) => x.requests >= plug.requests) ?? plug.status?.sessions?.[0]
    if (s) {
      const by = Object.entries(s.lastRequest.byStrategy as Record<string, { parts: number; chars: number }>)
        .map(([k, v]) => `${k} ${v.parts} parts / ${n(v.chars)} chars`)
        .join("; ")
      out.push(
        `The plugin's own report (longrun_status): ${s.lastRequest.partsPruned} parts pruned in the last request (~${n(s.lastRequest.tokensSaved)} tokens: ${by}); ~${n(s.tokensNotSent)} tokens not sent over the session; ${s.moments} prune moments.`,
        "",
      )
    }
    out.push(
      `Per-request size with the defaults (chars of the request body; \`*\` = first request of a user turn, \`!\` = prefix break):`,
      "",
    )
    out.push(`| request | ${base.config} | ${plug.config} | ratio |`, "|---|---|---|---|")
    const len = Math.min(base.perRequest.length, plug.perRequest.length)
    for (let i = 0; i < len; i++) {
      const mark = `${plug.turnStarts.includes(i) ? "*" : ""}${plug.breakAt.includes(i) ? "!" : ""}`
      if (i % 3 !== 0 && !mark && i !== len - 1) continue
      out.push(
        `| ${i}${mark} | ${n(base.perRequest[i]!)} | ${n(plug.perRequest[i]!)} | ${ratio(plug.perRequest[i]!, base.perRequest[i]!)} |`,
      )
    }
    out.push("")
  }
  const t = r.timing
  out.push(
    `Transform time, in process, on a session grown to ${t.messages} messages (${t.parts} parts), garbage from the test harness collected before each call: the last 20 requests as the session grew, median ${ms(t.steady.medianMs)}, p95 ${ms(t.steady.p95Ms)}, max ${ms(t.steady.maxMs)}; the same ${t.messages}-message request 200 times, median ${ms(t.repeat.medianMs)}, p95 ${ms(t.repeat.p95Ms)}; the first request after a restart (every part hashed), median ${ms(t.cold.medianMs)}, max ${ms(t.cold.maxMs)}.`,
  )
  const tr = plug?.status?.transform
  if (tr)
    out.push(
      `Inside OpenCode during the session (defaults): ${tr.count} transforms, median ${ms(tr.recentMedianMs)}, mean ${ms(tr.meanMs)}, max ${ms(tr.maxMs)} (the first requests include compiling the code).`,
    )
  out.push("")
  return out.join("\n")
}
