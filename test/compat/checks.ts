/**
 * The compatibility checks for one OpenCode release (the binary in E2E_OPENCODE_BIN, or the
 * pinned one): a subset of the end-to-end scenarios, each showing that one hook works.
 * Run by test/compat/run.ts in its own process per release; prints one line
 * `COMPAT_RESULT <json>` with a verdict per column of the table.
 *
 * Every scenario loads the plugin in the plain string form unless it tests the
 * `[name, options]` tuple, because releases up to 1.3.2 reject the tuple.
 */
import { DEFAULT_PLUGIN_URL, longrunReport, startOpencode, type OpencodeHandle, type StartOptions } from "../../testkit/opencode"
import { bySession, sequence, type RecordedRequest, type Reply } from "../../testkit/model-server"

export type Verdict = { ok: boolean; note: string }
export const COLUMNS = [
  "tools",
  "options tuple",
  "context monitor",
  "compaction",
  "todo continuation",
  "background agents",
] as const
export type Column = (typeof COLUMNS)[number]

const status = { name: "longrun_status", args: { format: "json", scope: "all" } }
const stringForm: StartOptions = { plugin: false, extraPlugins: [DEFAULT_PLUGIN_URL] }

async function withOpencode(opts: StartOptions, body: (oc: OpencodeHandle) => Promise<void>): Promise<void> {
  const oc = await startOpencode({ startTimeoutMs: 120_000, ...opts })
  try {
    await body(oc)
  } finally {
    await oc.stop()
  }
}

/** Tools offered (string form, defaults) and the options tuple (a distinctive max_sessions). */
async function toolsAndOptions(out: Partial<Record<Column, Verdict>>) {
  // A sequence keeps its position: one per OpenCode start.
  const script = () => sequence([{ toolCalls: [status] }, { text: "Done." }])
  await withOpencode({ ...stringForm, script: script() }, async (oc) => {
    await oc.runPrompt("Report status.")
    const names = oc.model.agentRequests()[0]?.toolNames ?? []
    const report = longrunReport(oc)
    const ok = names.includes("longrun_status") && names.includes("background_task") && report !== undefined
    out.tools = {
      ok,
      note: ok ? "" : `offered: ${names.filter((n) => /longrun|background/.test(n)).join(", ") || "none of ours"}`,
    }
  })
  try {
    // A release that rejects the tuple rejects the whole config: it never gets ready.
    await withOpencode({ pluginOptions: { max_sessions: 37 }, script: script(), startTimeoutMs: 30_000 }, async (oc) => {
      await oc.runPrompt("Report status.")
      const max = longrunReport(oc)?.store?.maxSessions
      out["options tuple"] = { ok: max === 37, note: max === 37 ? "" : `options not received (max_sessions ${max})` }
    })
  } catch (err) {
    const text = String(err)
    const m = text.match(/expected string, received array|failed to load plugin[^\n]{0,80}/)
    const note = m
      ? `rejected: ${m[0]}`
      : /SSE failed: 500/.test(text)
        ? "config rejected: the server answers 500"
        : firstLine(err)
    out["options tuple"] = { ok: false, note }
  }
}

/** Usage climbs 40% -> 72% -> 82% -> 85% of 20,000: the monitor warns at 70%, compaction at 80%. */
async function contextAndCompaction(out: Partial<Record<Column, Verdict>>) {
  const bash = (n: number, prompt_tokens: number): Reply => ({
    toolCalls: [{ name: "bash", args: { command: `echo step-${n}`, description: `step ${n}` } }],
    usage: { prompt_tokens, completion_tokens: 50 },
  })
  const steps = [bash(1, 8_000), bash(2, 14_400), bash(3, 16_400), bash(4, 17_000)]
  let compacted = false
  const script = (req: RecordedRequest, ctx: { agentIndex: number }): Reply => {
    // Some releases word the compaction prompt in ways the model server does not recognise:
    // a request offering no tools is the compaction, whatever its wording.
    if (req.toolNames.length === 0)
      return { text: "## Summary\nSteps 1 to 4 ran; finish up.", usage: { prompt_tokens: 17_000, completion_tokens: 30 } }
    if (req.allText.includes("## Summary") || req.allText.includes("Here is the conversation so far")) compacted = true
    if (compacted || ctx.agentIndex >= steps.length)
      return { text: "All steps done.", usage: { prompt_tokens: 2_600, completion_tokens: 10 } }
    return steps[ctx.agentIndex]!
  }
  await withOpencode({ ...stringForm, script, limit: { context: 20_000, output: 2_000 } }, async (oc) => {
    const sid = await oc.runPrompt("Run the four steps.", { timeoutMs: 90_000 })
    // OpenCode continues after a compaction: give it the time to finish that turn too.
    await oc.waitForEvent((e) => e.type === "session.compacted", 15_000).catch(() => undefined)
    await oc.model
      .waitForRequest((r) => r.toolNames.length > 0 && r.allText.includes("## Summary"), 15_000)
      .catch(() => undefined)
    const results = oc.model.requests.flatMap((r) => r.toolResults.map((t) => t.content))
    const warned = results.some((t) => /\[longrun\] Context window \d+% used/.test(t))
    out["context monitor"] = { ok: warned, note: warned ? "" : "no status line reached the agent" }
    const asked = oc.logs().includes(`compacting session ${sid}`)
    const compactedEvents = oc.events.filter((e) => e.type === "session.compacted" && e.properties?.sessionID === sid)
    // Order, not time: OpenCode's next request can arrive in the same ms as the event.
    const reqs = oc.model.requests
    const summary = reqs.findIndex((r) => r.kind === "compaction" || (r.toolNames.length === 0 && r.kind !== "title"))
    const continued = summary >= 0 && reqs.slice(summary + 1).some((r) => r.toolNames.length > 0)
    const ok = asked && compactedEvents.length === 1 && continued
    out.compaction = {
      ok,
      note: ok
        ? ""
        : `${asked ? "the plugin asked" : "the plugin never asked"}, ${compactedEvents.length} session.compacted, ${continued ? "work continued" : "work did not continue"}`,
    }
  })
}

/** Three todos, one done, the agent stops: the continuation prompt must reach the model. */
async function todoContinuation(out: Partial<Record<Column, Verdict>>) {
  const todos = (statuses: string[]): Reply => ({
    toolCalls: [
      {
        name: "todowrite",
        // `id` is required by 1.1.65's todowrite and ignored by later releases.
        args: {
          todos: ["Write the parser", "Write the printer", "Write the tests"].map((content, i) => ({
            id: String(i + 1),
            content,
            status: statuses[i],
            priority: "high",
          })),
        },
      },
    ],
  })
  const script = sequence([
    todos(["completed", "in_progress", "pending"]),
    { text: "Stopping here." },
    todos(["completed", "completed", "completed"]),
    { text: "All done." },
  ])
  await withOpencode({ ...stringForm, script }, async (oc) => {
    await oc.runPrompt("Build the formatter.")
    const req = await oc.model
      .waitForRequest((r) => r.lastUserText.startsWith("[longrun] Continue your todo list"), 20_000)
      .catch(() => undefined)
    const ok = req?.lastUserText.includes("1 of 3 done") === true
    const todoEvents = oc.events.filter((e) => e.type === "todo.updated").length
    out["todo continuation"] = {
      ok,
      note: ok ? "" : `no continuation prompt reached the model (${todoEvents} todo.updated events)`,
    }
  })
}

/** One background task; its completion notice must wake the parent, which reads the result. */
async function backgroundAgents(out: Partial<Record<Column, Verdict>>) {
  const parent = (req: RecordedRequest): Reply => {
    const id = req.lastUserText.match(/bg_[a-z0-9]+/)?.[0]
    if (id && req.lastUserText.includes("[longrun] Background task"))
      return { toolCalls: [{ name: "background_output", args: { task_id: id } }] }
    if (req.toolResults.some((t) => t.content.startsWith("Task bg_"))) return { text: "Read the result." }
    if (req.toolResults.some((t) => t.content.startsWith("Started background task"))) return { text: "Started; waiting." }
    return { toolCalls: [{ name: "background_task", args: { description: "alpha", prompt: "Child alpha: echo the word." } }] }
  }
  const child = sequence([
    { toolCalls: [{ name: "bash", args: { command: "echo alpha-out", description: "alpha" } }] },
    { text: "The alpha result text." },
  ])
  const script = bySession(
    [
      ["Child alpha", child],
      ["Delegate", parent],
    ],
    sequence([{ text: "?" }]),
  )
  await withOpencode({ ...stringForm, script }, async (oc) => {
    await oc.runPrompt("Delegate the task.")
    const got = await oc.model
      .waitForRequest(
        (r) => r.toolResults.some((t) => t.content.startsWith("Task bg_") && t.content.includes("The alpha result text.")),
        30_000,
      )
      .catch(() => undefined)
    const childRan = oc.model.requests.some((r) => r.firstUserText.includes("Child alpha"))
    out["background agents"] = {
      ok: got !== undefined,
      note: got ? "" : childRan ? "the child ran but its result never reached the parent" : "the child never ran",
    }
  })
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err)
    .split("\n")[0]!
    .slice(0, 140)
}

export async function runChecks(): Promise<Partial<Record<Column, Verdict>>> {
  const out: Partial<Record<Column, Verdict>> = {}
  const scenarios: [Column[], (o: typeof out) => Promise<void>][] = [
    [["tools", "options tuple"], toolsAndOptions],
    [["context monitor", "compaction"], contextAndCompaction],
    [["todo continuation"], todoContinuation],
    [["background agents"], backgroundAgents],
  ]
  for (const [cols, run] of scenarios) {
    const started = Date.now()
    try {
      await run(out)
      process.stderr.write(`[compat] ${cols.join(", ")}: ${Date.now() - started} ms\n`)
    } catch (err) {
      for (const c of cols) out[c] ??= { ok: false, note: `error: ${firstLine(err)}` }
    }
  }
  return out
}

if (import.meta.main) {
  const result = await runChecks()
  console.log(`COMPAT_RESULT ${JSON.stringify(result)}`)
  process.exit(0)
}
