/**
 * The journal's cost: `npm run bench -- journal` (in process, no real OpenCode: no lock).
 * One long session (./session.ts) on fake time with the journal writing real files into a
 * temporary folder: bytes and writes per minute, writes during an idle minute after it (the
 * goal is none), the session's journal size and what it holds, the plugin's retained heap
 * with and without the journal, and what a start pays to read a folder of many sessions.
 * Writes its section of bench/RESULTS.md (`--out <file>` elsewhere). Reports; asserts nothing.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { cpus, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { SessionStore } from "../../src/cache/session-store"
import { Journal } from "../../src/journal"
import { Logger } from "../../src/runtime/log"
import { TimerOwner } from "../../src/runtime/timers"
import { fakeClock } from "../../testkit/fake-clock"
import { benchClient } from "../lib/fake-client"
import { machine } from "../lib/machine"
import { settledHeap } from "../lib/measure"
import { writeSection } from "../pruning/section"
import { longSession, SID } from "./session"

const ROOT = join(import.meta.dir, "../..")
const STEPS = 720
const STEP_MS = 10_000
const COPIES = 500
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`

async function run(journal: boolean, dir: string) {
  const before = await settledHeap()
  const s = await longSession({ steps: STEPS, stepMs: STEP_MS, options: { journal, journal_dir: dir } })
  const after = await settledHeap()
  return { ...s, heapBytes: after.heapSize - before.heapSize }
}

/** The plugin's retained heap after the session, without and with the journal, alternating (each run in the same process: noisy). */
async function heapRuns(dir: string): Promise<{ off: number[]; on: number[] }> {
  const out = { off: [] as number[], on: [] as number[] }
  for (let i = 0; i < 2; i++)
    for (const journal of [false, true]) {
      const r = await run(journal, join(dir, `heap-${i}-${journal}`))
      ;(journal ? out.on : out.off).push(r.heapBytes)
      await r.p.hooks.dispose!()
    }
  return out
}

export async function journalBench(argv: string[]) {
  const started = new Date()
  const t0 = performance.now()
  const dir = mkdtempSync(join(tmpdir(), "journal-bench-"))
  try {
    const heap = await heapRuns(dir)
    const on = await run(true, join(dir, "on"))
    // The last change is written; then an idle minute: nothing changes, so nothing may be written.
    await on.clock.advance(2_000)
    await on.journal.idle()
    const stats = { ...on.journal.stats }
    let scheduled = 0
    for (let s = 0; s < 60; s++) {
      await on.clock.advance(1_000)
      if (on.journal.writeScheduled) scheduled++
    }
    await on.journal.idle()
    const idle = { writes: on.journal.stats.writes - stats.writes, bytes: on.journal.stats.bytes - stats.bytes }
    const files = readdirSync(on.journal.dir)
    const sizes = files.map((f) => statSync(join(on.journal.dir, f)).size)
    const mine = files.filter((f) => f.startsWith(`${SID}.`))
    const sessionBytes = mine.reduce((b, f) => b + statSync(join(on.journal.dir, f)).size, 0)
    const sections: Record<string, any> = {}
    for (const f of mine) Object.assign(sections, JSON.parse(readFileSync(join(on.journal.dir, f), "utf8")).sections)
    const sectionBytes = Object.entries(sections).map(([k, v]) => [k, JSON.stringify(v).length] as const)
    const minutes = on.minutes
    const active = minutes.filter((m) => m.writes > 0)
    const perMin = minutes.map((m) => m.bytes).sort((a, b) => a - b)
    // A start that finds many sessions: COPIES files of owners that are gone.
    const many = join(dir, "many")
    const proj = join(many, "bench")
    mkdirSync(proj, { recursive: true })
    for (let i = 0; i < COPIES; i++) {
      const id = `ses_copy${String(i).padStart(5, "0")}`
      for (const f of mine) {
        const text = readFileSync(join(on.journal.dir, f), "utf8").replaceAll(SID, id)
        await Bun.write(join(proj, `${id}.999999-deadbeef.${f.endsWith(".prune.json") ? "prune.json" : "json"}`), text)
      }
    }
    const clock = fakeClock(on.clock.now())
    const logger = new Logger(benchClient().client as never, { errorIntervalMs: 0, now: clock.now })
    const store = new SessionStore({
      ttlMs: 60_000,
      maxSessions: 1000,
      messageCap: 10,
      messageCapHysteresis: 5,
      clock: clock.clock,
    })
    const j = new Journal(
      {
        enabled: true,
        root: many,
        project: "bench",
        writeDelayMs: 1000,
        ttlMs: 7 * 86_400_000,
        maxSessions: 1000,
        maxSessionBytes: 1 << 20,
      },
      { clock: clock.clock, timers: new TimerOwner(clock.clock), store, logger },
    )
    const o0 = performance.now()
    await j.open()
    const openMs = performance.now() - o0
    j.start()
    const heldAfterStart = j.inMemory
    const r0 = performance.now()
    store.touch("ses_copy00000")
    const restoreMs = performance.now() - r0
    await on.p.hooks.dispose!()
    const mc = machine()
    const out = argv.includes("--out") ? argv[argv.indexOf("--out") + 1]! : join(ROOT, "bench/RESULTS.md")
    const md = [
      "## The journal: disk and memory",
      "",
      `Run ${started.toISOString()} with \`npm run bench -- journal\` on ${mc.nproc} cores (${cpus()[0]?.model ?? "?"}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load ${mc.loadavg}; bun ${mc.bun}, plugin ${mc.plugin}; ${((performance.now() - t0) / 1000).toFixed(0)} s.`,
      "",
      `One session of ${STEPS} tool steps, one every ${STEP_MS / 1000} s of fake time (${minutes.length} minutes): reads of 40 files (some read again unchanged, some changed by writes), a test command run again, the messages transform for every request, every answer's usage, a todo list with continuations, a background task every 100 steps, and every 30 steps the person away 6 minutes (a cold pruning moment). Every hook at its defaults; the journal writes real files (journal_write_delay_ms 1000) into a temporary folder.`,
      "",
      "| measure | value |",
      "|---|---|",
      `| writes | ${stats.writes} in ${minutes.length} minutes (${(stats.writes / minutes.length).toFixed(1)} per minute; files left alone because unchanged: ${stats.unchanged}) |`,
      `| bytes written per minute | mean ${kb(stats.bytes / minutes.length)}, median ${kb(perMin[perMin.length >> 1] ?? 0)}, highest ${kb(perMin.at(-1) ?? 0)} (${kb(stats.bytes)} in all; minutes with a write: ${active.length}) |`,
      `| writes during an idle minute after it | ${idle.writes} (${idle.bytes} bytes); seconds of it with a journal write scheduled: ${scheduled} of 60 |`,
      `| journal size of the session at the end | ${kb(sessionBytes)} in ${mine.length} files (${sectionBytes.map(([k, v]) => `${k} ${kb(v)}`).join(", ")}; ${sections.pruning?.decisions?.length ?? 0} prune decisions) |`,
      `| journal files at the end | ${files.length}: the session's ${mine.length} and ${files.length - mine.length} of its background children, ${kb(sizes.reduce((a, b) => a + b, 0))} in all |`,
      `| plugin's retained heap after the session | without the journal ${heap.off.map(kb).join(", ")}; with it ${heap.on.map(kb).join(", ")} (two runs each, alternating, in one process: the difference is within the noise) |`,
      `| a start that finds ${COPIES} such sessions of a process that is gone | ${openMs.toFixed(0)} ms to read their main files, check and take them over (prune files are renamed unread); ${heldAfterStart} held in memory after it; ${restoreMs.toFixed(1)} ms to read one back at its session's first event |`,
      "",
      'Each write replaces one file whole (an exclusive temp file, synced, renamed over the old one). A session has two: its main file (tasks, stops, compaction, the bill), rewritten at most once per delay while the bill changes with every step, and its prune file (the pruner\'s decisions, placeholder texts verbatim), rewritten only at pruning moments and revocations: a reference to a new part is not written, a restart makes it again the same. So the bytes per minute are about one main file per step plus the prune file at each moment (the highest minutes); the prune file grows with the session, bounded by `journal_max_session_bytes` (1 MB; past it the decisions are left out). "Unchanged" counts the files a write left alone because their content was the same.',
    ]
    writeSection(out, md.join("\n"), "journal")
    process.stdout.write(`${md.join("\n")}\n`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
