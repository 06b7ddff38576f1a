/**
 * `npm run bench -- replay <dir>`: the replay part. Replays the folder's sessions (see
 * ./run.ts), prints the table, and writes its section of bench/RESULTS.md and the chart
 * bench/replay-bill.svg. `--out <file>` writes the section elsewhere.
 */
import { writeFileSync } from "node:fs"
import { cpus, totalmem } from "node:os"
import { join, relative } from "node:path"
import { machine } from "../lib/machine"
import { writeSection } from "../pruning/section"
import { billChart } from "./chart"
import { renderReplay } from "./report"
import { runReplay } from "./run"

const ROOT = join(import.meta.dir, "../..")

export async function replayMain(argv: string[]) {
  const started = new Date()
  const { results, summary, seconds } = await runReplay(argv)
  const dir = argv.find((a, i) => !a.startsWith("--") && !argv[i - 1]?.startsWith("--"))!
  const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1]! : join(ROOT, "bench/RESULTS.md")
  const mc = machine()
  const svg = join(ROOT, "bench/replay-bill.svg")
  writeFileSync(
    svg,
    billChart(results, "anthropic", "Real sessions replayed: the bill with opencode-longrun (Anthropic cache, Sonnet prices)"),
  )
  const sessions = new Set(results.map((r) => r.session)).size
  const md = [
    "## Replaying real sessions: the bill",
    "",
    `Run ${started.toISOString()} with \`npm run bench -- replay ${relative(ROOT, dir) || dir}\` on ${mc.nproc} cores (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${mc.loadavg}; bun ${mc.bun}, plugin ${mc.plugin}; ${seconds.toFixed(0)} s.`,
    "",
    "Each session (one JSON line per message: the traces format of the README) is turned into what OpenCode 1.18.33 hands the messages transform for every model request, and each request goes through the plugin's public hooks (`createLongrun`: the transform, `chat.params` with the model's prices, and `message.updated` carrying the usage the cache model billed, as OpenCode stores it); no plugin sends the same requests untouched. Each request is billed by the testkit's prompt-cache models (the ones the scripted servers answer with), tokens as characters / 4:",
    "- **anthropic**: Anthropic's cache with OpenCode's breakpoints (system block and the last two messages), 20-block lookback, 5-minute TTL refreshed on hits; a claude model, Sonnet-class prices (input 3, output 15, cache read 0.30, write 3.75 $/M);",
    "- **prefix**: a cache that keeps every prefix it saw, so a change rewrites everything after the first changed block at the write price (the model issue 21 states); Sonnet-class prices, a model the plugin knows nothing about;",
    "- **openai**: OpenAI's automatic prefix cache (1,024-token minimum, 128-token steps, no write premium), an OpenAI model, input 1.25, output 10, cached 0.125 $/M;",
    "- **nocache**: every prompt token at the input price.",
    "",
    '**autonomous**: one task, every step seconds after the last. **interactive**: every 15 requests the person writes "Please go on with the task." 12 minutes after the last answer (past the cache\'s lifetime), as OpenCode would store it. "bill" sums all sessions; "worst session" is the highest single session\'s ratio; "invariant problems" counts requests where a message or text changed, one of the newest 10 tool results was not sent in full (nor as a reference to an identical copy sent in full), the stored messages were touched, or the transform threw.',
    "",
    renderReplay(summary, { dir: relative(ROOT, dir) || dir, sessions, seconds }),
    "",
    "Before this round (main at 823e6ae, the pruning of issue 15, same replay, prefix view): autonomous bill 0.995 of no plugin, characters 0.994; interactive bill 0.995, characters 0.994.",
    "",
    "![Each session's bill against no plugin's](replay-bill.svg)",
  ].join("\n")
  writeSection(out, md, "replay")
  process.stderr.write(`wrote ${relative(process.cwd(), out)} (replay section) and ${relative(process.cwd(), svg)}\n`)
}
