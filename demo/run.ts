/**
 * `npm run demo`: the plugin at work in real OpenCode, against a scripted local model.
 *
 * One long session: the agent writes todos, starts two background tasks, works while its
 * reported context usage climbs (the monitor warns at 70%, the session is compacted at
 * 80%), stops with todos left (the enforcer counts down and continues it), finishes, and
 * checks longrun_status. The timeline below is printed live from OpenCode's event stream.
 */
import { readFileSync } from "node:fs"
import { startOpencode, type E2EEvent, type OpencodeHandle } from "../testkit/opencode"
import { bySession, sequence, type RecordedRequest, type Reply, type Script } from "../testkit/model-server"

const CONTEXT = 20_000
const t0 = Date.now()
const color = process.stdout.isTTY
const paint = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s)
const say = (tag: string, text: string, code = "0") =>
  console.log(`${paint("2", `${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s`)} ${paint(code, tag.padEnd(12))} ${text}`)

const bash = (command: string, prompt_tokens: number): Reply => ({
  toolCalls: [{ name: "bash", args: { command, description: command } }],
  usage: { prompt_tokens, completion_tokens: 60 },
})
const todos = (statuses: string[], prompt_tokens: number): Reply => ({
  toolCalls: [
    {
      name: "todowrite",
      args: {
        todos: ["Rename the widget module", "Update the imports", "Run the checks"].map((content, i) => ({
          content,
          status: statuses[i],
          priority: "high",
        })),
      },
    },
  ],
  usage: { prompt_tokens, completion_tokens: 40 },
})

// The main agent's turns, in order. Usage climbs towards the 20,000-token window.
const mainSteps: Reply[] = [
  todos(["in_progress", "pending", "pending"], 2_500),
  {
    toolCalls: [
      { name: "background_task", args: { description: "count files", prompt: "Count the TypeScript files in the project." } },
      { name: "background_task", args: { description: "read README", prompt: "Summarise the project README in one line." } },
    ],
    usage: { prompt_tokens: 4_000, completion_tokens: 80 },
  },
  bash("ls -la", 9_000),
  todos(["completed", "in_progress", "pending"], 14_400),
  bash("git status --short", 15_200),
  bash("echo 'building widgets'", 16_500),
  bash("echo 'checking widgets'", 16_900),
  { text: "I renamed the module. I'll stop here for now.", usage: { prompt_tokens: 3_000, completion_tokens: 30 } },
  todos(["completed", "completed", "completed"], 3_400),
  { toolCalls: [{ name: "longrun_status", args: { scope: "all" } }], usage: { prompt_tokens: 3_800, completion_tokens: 20 } },
  { text: "All three todos are done.", usage: { prompt_tokens: 4_600, completion_tokens: 20 } },
]

let step = 0
const isNotice = (req: RecordedRequest) => /background/i.test(req.lastUserText) && !/todo/i.test(req.lastUserText)
const main: Script = (req) => {
  // A background completion notice wakes the agent between steps: acknowledge it, do not advance.
  if (isNotice(req) && step > 2 && step < mainSteps.length)
    return { text: "Noted the background results.", usage: { prompt_tokens: 15_400, completion_tokens: 10 } }
  return mainSteps[step++] ?? { text: "Nothing left to do.", usage: { prompt_tokens: 4_700, completion_tokens: 5 } }
}
const script = bySession(
  [
    [
      "Count the TypeScript files",
      sequence([
        bash("find . -name '*.ts' | wc -l", 1_200),
        { text: "The project has no TypeScript files yet.", usage: { prompt_tokens: 1_400, completion_tokens: 12 } },
      ]),
    ],
    [
      "Summarise the project README",
      sequence([
        bash("wc -c README.md", 1_100),
        { text: "The README is a one-line title.", usage: { prompt_tokens: 1_300, completion_tokens: 10 } },
      ]),
    ],
  ],
  main,
)

function describeEvent(e: E2EEvent, mainID: string | undefined): void {
  const p = e.properties ?? {}
  const sid: string | undefined = p.sessionID ?? p.info?.sessionID ?? p.part?.sessionID
  const who = sid && mainID && sid !== mainID ? "background" : "agent"
  switch (e.type) {
    case "message.part.updated": {
      const part = p.part
      if (part?.type === "tool" && part.state?.status === "completed") {
        const input = part.state.input ?? {}
        const arg =
          input.command ??
          input.description ??
          (input.todos ? `${input.todos.filter((t: any) => t.status === "completed").length}/${input.todos.length} done` : "")
        say(who, `ran ${part.tool}${arg ? `: ${arg}` : ""}`, who === "agent" ? "36" : "35")
        const line = String(part.state.output ?? "")
          .split("\n")
          .find((l) => l.startsWith("[longrun]") || l.startsWith("[opencode-longrun"))
        if (line) say("monitor", `the agent saw: ${line.slice(0, 110)}…`, "33")
      }
      if (part?.type === "text" && part.synthetic !== true && sid === mainID && part.time?.end && part.text) {
        const first = String(part.text).split("\n")[0]!
        if (first.startsWith("[longrun]")) say("longrun", `prompt sent to the agent: ${first.slice(0, 100)}`, "33")
      }
      break
    }
    case "message.updated": {
      const info = p.info
      if (info?.role === "assistant" && info.time?.completed && sid === mainID && !info.summary) {
        const t = info.tokens ?? {}
        const used = t.total || (t.input ?? 0) + (t.output ?? 0) + (t.cache?.read ?? 0) + (t.cache?.write ?? 0)
        if (used > 0)
          say(
            "context",
            `${used.toLocaleString("en-US")} of ${CONTEXT.toLocaleString("en-US")} tokens (${Math.round((used / CONTEXT) * 100)}%)`,
          )
      }
      break
    }
    case "tui.toast.show":
      say("toast", `${p.title ? `${p.title}: ` : ""}${p.message}`, "33;1")
      break
    case "session.compacted":
      say("compaction", sid === mainID ? "session compacted; OpenCode continues the work" : `session ${sid} compacted`, "32;1")
      break
    case "session.idle":
      say("idle", sid === mainID ? "the agent stopped" : "a background session finished", "2")
      break
  }
}

async function main_(): Promise<void> {
  console.log(paint("1", "opencode-longrun demo: real OpenCode, a scripted local model, every hook on\n"))
  let oc: OpencodeHandle | undefined
  try {
    oc = await startOpencode({
      script,
      limit: { context: CONTEXT, output: 2_000 },
      // Priced like an OpenAI model, so the bill shows dollars. (The scripted usage drives the
      // context's climb, so the server's own prompt cache stays off: the hit rate reads 0%.)
      cost: { input: 1.25, output: 10, cache_read: 0.125 },
      pluginOptions: { todo_countdown_ms: 3_000, background_concurrency: 2, memory_sample_interval_ms: 2_000 },
    })
    say("opencode", `serving at ${oc.baseUrl} (pid ${oc.pid}), ready in ${oc.timings.spawnToReadyMs} ms`)
    const created = await oc.client.session.create({ body: { title: "longrun demo" } })
    const mainID = created.data!.id
    let seen = oc.events.length
    const printer = setInterval(() => {
      for (; seen < oc!.events.length; seen++) describeEvent(oc!.events[seen]!, mainID)
    }, 50)
    say("user", "Rename the widget module, update the imports and run the checks.", "1")
    await oc.client.session.promptAsync({
      path: { id: mainID },
      body: { parts: [{ type: "text", text: "Rename the widget module, update the imports and run the checks." }] },
    })
    // Done when every scripted step was served and the session has stayed idle for a moment.
    const lastStatus = () => oc!.events.findLast((e) => e.type === "session.status" && e.properties.sessionID === mainID)
    const deadline = Date.now() + 180_000
    while (Date.now() < deadline) {
      const s = lastStatus()
      if (step >= mainSteps.length && s?.properties.status.type === "idle" && Date.now() - s.receivedAt > 500) break
      await Bun.sleep(100)
    }
    clearInterval(printer)
    for (; seen < oc.events.length; seen++) describeEvent(oc.events[seen]!, mainID)
    if (step < mainSteps.length) throw new Error(`the demo stopped at step ${step} of ${mainSteps.length}`)

    const status = oc.model.requests
      .flatMap((r) => r.toolResults)
      .map((t) => t.content)
      .findLast((c) => c.startsWith("opencode-longrun status"))
    console.log(paint("1", "\nlongrun_status, as the agent saw it:\n"))
    console.log(status ?? "(longrun_status output not found)")
    const proc = readFileSync(`/proc/${oc.pid}/status`, "utf8")
    const kb = (k: string) => Number(proc.match(new RegExp(`${k}:\\s+(\\d+)`))?.[1] ?? 0)
    console.log(
      paint(
        "1",
        `\nOpenCode process memory: RSS ${(kb("VmRSS") / 1024).toFixed(0)} MB, peak ${(kb("VmHWM") / 1024).toFixed(0)} MB`,
      ),
    )
    console.log(
      `model requests: ${oc.model.requests.length} (${oc.model.requests.filter((r) => r.isCompaction).length} compaction)`,
    )
  } finally {
    await oc?.stop()
  }
}

main_().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
