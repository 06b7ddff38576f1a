/** Markdown for the context pruning section of bench/RESULTS.md. */
import type { RunResult } from "./run"

const n = (x: number) => Math.round(x).toLocaleString("en-US")
const ms = (x: number | undefined) => (x === undefined ? "-" : `${x.toFixed(3)} ms`)

export function renderMarkdown(r: { started: string; machine: Record<string, string>; turns: number; timing: any; runs: RunResult[] }): string {
  const base = r.runs.find((x) => x.config === "none")
  const plug = r.runs.find((x) => x.config === "longrun")
  const out: string[] = []
  out.push("## Context pruning", "")
  out.push(`Run ${r.started} with \`flock /tmp/longrun-opencode.lock bun run bench/run.ts pruning\` on ${r.machine.nproc} cores (${(r.machine.cpu ?? "").trim()}), ${r.machine.mem} RAM, load ${r.machine.loadavg}; bun ${r.machine.bun}, OpenCode ${r.machine.opencode}, plugin ${r.machine.plugin}.`, "")
  out.push(
    `One scripted session of ${r.turns} user turns in real OpenCode (see bench/pruning/session.ts): each turn re-reads three files (one never changes, one is edited every turn, one a command rewrites every third turn), reruns an identical test command and a failing check (twice), rewrites a generated file and reads it back, and every other turn makes an edit that fails with a long argument. Run without any plugin and with this plugin at its default options, in the same run; the model server measured what it received.`,
    "",
  )
  for (const run of r.runs) if (!run.ok) out.push(`**${run.config} failed:** ${run.error}`, "")
  if (base?.ok && plug?.ok) {
    const turns = r.turns
    out.push("| | no plugin | longrun (defaults) | ratio |", "|---|---|---|---|")
    out.push(`| agent requests | ${base.requests} | ${plug.requests} | |`)
    out.push(`| chars sent to the model (whole request bodies) | ${n(base.bodyChars)} | ${n(plug.bodyChars)} | **${(plug.bodyChars / base.bodyChars).toFixed(2)}** |`)
    out.push(`| chars of messages only (no system prompt or tool schemas) | ${n(base.messageChars)} | ${n(plug.messageChars)} | ${(plug.messageChars / base.messageChars).toFixed(2)} |`)
    out.push(`| last request | ${n(base.lastBodyChars)} | ${n(plug.lastBodyChars)} | ${(plug.lastBodyChars / base.lastBodyChars).toFixed(2)} |`)
    out.push(`| prompt prefix breaks (a request not extending the previous one) | ${base.breaks} | ${plug.breaks} (${(plug.breaks / turns).toFixed(2)} per user turn) | |`)
    out.push(`| chars past the common prefix with the previous request (a prompt cache misses these) | ${n(base.uncachedChars)} | ${n(plug.uncachedChars)} | ${(plug.uncachedChars / base.uncachedChars).toFixed(2)} |`)
    const equal = JSON.stringify(base.stored) === JSON.stringify(plug.stored)
    out.push(`| stored session (text and tool parts, temp dir normalised) | | ${equal ? "identical to the no-plugin run" : "**differs from the no-plugin run**"}${plug.storedHasPlaceholder ? ", **contains a placeholder**" : ", no placeholder in it"} | |`)
    out.push("")
    const breaksAtTurnStart = plug.breakAt.filter((i) => plug.turnStarts.includes(i)).length
    out.push(`Prefix breaks with the plugin happened at requests ${plug.breakAt.join(", ") || "none"} (0-based); ${breaksAtTurnStart} of them at the first request of a user turn (turn starts: ${plug.turnStarts.join(", ")}).`, "")
    const s = plug.status?.sessions?.find((x: any) => x.requests >= plug.requests) ?? plug.status?.sessions?.[0]
    if (s) {
      const by = Object.entries(s.lastRequest.byStrategy as Record<string, { parts: number; chars: number }>).map(([k, v]) => `${k} ${v.parts} parts / ${n(v.chars)} chars`).join("; ")
      out.push(`The plugin's own report (longrun_status): ${s.lastRequest.partsPruned} parts pruned in the last request (~${n(s.lastRequest.tokensSaved)} tokens: ${by}); ~${n(s.tokensNotSent)} tokens not sent over the session; ${s.moments} prune moments.`, "")
    }
    out.push("Per-request size (chars of the request body; `*` = first request of a user turn, `!` = prefix break with the plugin):", "")
    out.push("| request | no plugin | longrun | ratio |", "|---|---|---|---|")
    const len = Math.min(base.perRequest.length, plug.perRequest.length)
    for (let i = 0; i < len; i++) {
      const mark = `${plug.turnStarts.includes(i) ? "*" : ""}${plug.breakAt.includes(i) ? "!" : ""}`
      if (i % 3 !== 0 && !mark && i !== len - 1) continue
      out.push(`| ${i}${mark} | ${n(base.perRequest[i]!)} | ${n(plug.perRequest[i]!)} | ${(plug.perRequest[i]! / base.perRequest[i]!).toFixed(2)} |`)
    }
    out.push("")
  }
  const t = r.timing
  out.push(
    `Transform time, in process, on a session grown to ${t.messages} messages (${t.parts} parts): the last 20 requests as the session grew, median ${ms(t.steady.medianMs)}, p95 ${ms(t.steady.p95Ms)}, max ${ms(t.steady.maxMs)}; the same ${t.messages}-message request 200 times, median ${ms(t.repeat.medianMs)}, p95 ${ms(t.repeat.p95Ms)}; the first request after a restart (every part hashed), median ${ms(t.cold.medianMs)}, max ${ms(t.cold.maxMs)}.`,
  )
  const tr = plug?.status?.transform
  if (tr) out.push(`Inside OpenCode during the session: ${tr.count} transforms, median ${ms(tr.recentMedianMs)}, mean ${ms(tr.meanMs)}, max ${ms(tr.maxMs)} (the first requests include loading and compiling the code).`)
  out.push("")
  return out.join("\n")
}
