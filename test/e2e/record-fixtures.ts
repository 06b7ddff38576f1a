/**
 * Records real OpenCode event payloads for unit tests:
 *
 *   bun test/e2e/record-fixtures.ts
 *
 * Runs the real binary against the scripted model (no network) with a recorder plugin
 * (fixtures/recorder-plugin.ts) that logs what a plugin's `event` hook receives. Scenarios:
 *   - main session: text + todowrite, bash, a failing read, a task (child session), final text
 *   - session.summarize on the idle main session (compaction, session.compacted)
 *   - an aborted session (bash `sleep 30`, then session.abort): session.error MessageAbortedError
 *   - a provider error (HTTP 400 context_length_exceeded: OpenCode compacts by itself)
 *   - a retried provider error (HTTP 503 with retry-after-ms, then success)
 * Then writes one or a few examples of each distinct event (type and variant) into
 * test/fixtures/events/*.json, long strings trimmed and temp paths normalised, plus a
 * _manifest.json that lists them (used to delete stale files on the next recording).
 */
import { mkdirSync, rmSync } from "node:fs"
import { join } from "node:path"
import { MODEL_ID, PROVIDER_ID, REPO_ROOT, startOpencode } from "../../testkit/opencode"
import { bySession, sequence, type Reply } from "../../testkit/model-server"
import { writeFixtures } from "./fixture-writer"

const TODOS = [
  { content: "Write the fixture recorder", status: "completed", priority: "high" },
  { content: "Record real events", status: "in_progress", priority: "high" },
  { content: "Use them in unit tests", status: "pending", priority: "medium" },
]

const mainReplies: Reply[] = [
  {
    text: "I'll plan this first.",
    toolCalls: [{ name: "todowrite", args: { todos: TODOS } }],
    usage: { prompt_tokens: 1500, completion_tokens: 40 },
  },
  {
    toolCalls: [{ name: "bash", args: { command: "echo hello-fixture && git status --short", description: "Print a greeting" } }],
    usage: { prompt_tokens: 1700, completion_tokens: 30 },
  },
  {
    toolCalls: [{ name: "read", args: { filePath: "does-not-exist.txt" } }],
    usage: { prompt_tokens: 1800, completion_tokens: 20 },
  },
  {
    toolCalls: [
      {
        name: "task",
        args: { description: "Child task", prompt: "record: child task prompt. Say you are done.", subagent_type: "general" },
      },
    ],
    usage: { prompt_tokens: 1900, completion_tokens: 50 },
  },
  {
    reasoning: "Everything is finished; summarise.",
    text: "All done: todos written, bash ran, the child task finished.",
    usage: { prompt_tokens: 2600, completion_tokens: 25, cached_tokens: 1200, reasoning_tokens: 7 },
  },
]

const script = bySession([
  [
    "record: child task prompt",
    sequence([{ text: "Child finished its task.", usage: { prompt_tokens: 900, completion_tokens: 8 } }]),
  ],
  [
    "record: abort me",
    sequence([{ toolCalls: [{ name: "bash", args: { command: "sleep 30", description: "Sleep for a while" } }] }]),
  ],
  [
    "record: provider error",
    sequence(
      [
        {
          error: {
            status: 400,
            code: "context_length_exceeded",
            message: "This model's maximum context length is 20000 tokens. However, your messages resulted in 25000 tokens.",
          },
        },
      ],
      { text: "Recovered after the provider error.", usage: { prompt_tokens: 500, completion_tokens: 10 } },
    ),
  ],
  [
    "record: retry",
    sequence([
      {
        error: {
          status: 503,
          message: "The server is overloaded, try again.",
          type: "server_error",
          headers: { "retry-after-ms": "300" },
        },
      },
      { text: "Answered after a retry.", usage: { prompt_tokens: 400, completion_tokens: 6 } },
    ]),
  ],
  ["record: main", sequence(mainReplies)],
])

async function main() {
  const started = Date.now()
  const hookFile = join(REPO_ROOT, "node_modules/.cache/opencode-longrun-e2e", `hook-events-${process.pid}.jsonl`)
  mkdirSync(join(hookFile, ".."), { recursive: true })
  rmSync(hookFile, { force: true })

  const oc = await startOpencode({
    plugin: join(import.meta.dir, "fixtures/recorder-plugin.ts"),
    pluginOptions: { out: hookFile },
    script,
  })
  const log = (msg: string) => console.log(`[record +${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`)
  log(`opencode ready in ${oc.timings.spawnToReadyMs} ms (install cache ${oc.timings.usedCache ? "hit" : "miss"})`)
  try {
    // 1. Main session.
    const mainID = await oc.runPrompt("record: main session. Plan, run a command, delegate a task.", { timeoutMs: 90_000 })
    log(`main session ${mainID} idle`)

    // 2. Compaction of the idle main session.
    const since = oc.mark()
    const sum = await oc.client.session.summarize({ path: { id: mainID }, body: { providerID: PROVIDER_ID, modelID: MODEL_ID } })
    if (sum.error) throw new Error(`summarize failed: ${JSON.stringify(sum.error)}`)
    await oc.waitForEvent((e) => e.type === "session.compacted" && e.properties.sessionID === mainID, 60_000, since)
    await oc.waitForIdle(mainID, 30_000, since).catch(() => undefined)
    log("main session compacted")

    // 3. Aborted session.
    const abortSince = oc.mark()
    const abortID = await oc.runPrompt("record: abort me", { wait: false })
    await oc.waitForEvent(
      (e) =>
        e.type === "message.part.updated" &&
        e.properties.part?.sessionID === abortID &&
        e.properties.part?.tool === "bash" &&
        e.properties.part?.state?.status === "running",
      60_000,
      abortSince,
    )
    await Bun.sleep(300)
    const ab = await oc.client.session.abort({ path: { id: abortID } })
    if (ab.error) throw new Error(`abort failed: ${JSON.stringify(ab.error)}`)
    await oc.waitForEvent((e) => e.type === "session.error" && e.properties.sessionID === abortID, 30_000, abortSince)
    await oc.waitForIdle(abortID, 30_000, abortSince).catch(() => undefined)
    log("aborted session done")

    // 4. Provider error.
    const errSince = oc.mark()
    const errID = await oc.runPrompt("record: provider error", { wait: false })
    await oc
      .waitForEvent((e) => e.type === "session.error" && e.properties.sessionID === errID, 60_000, errSince)
      .catch((e: Error) => log(`no session.error for the provider error: ${e.message.split("\n")[0]}`))
    await oc.waitForIdle(errID, 60_000, errSince).catch(() => undefined)
    log("provider-error session done")
    await Bun.sleep(500)

    // 5. A retried provider error (HTTP 503, then success): session.status "retry".
    const retrySince = oc.mark()
    const retryID = await oc.runPrompt("record: retry", { wait: false })
    await oc.waitForIdle(retryID, 60_000, retrySince).catch((e: Error) => log(`retry session: ${e.message.split("\n")[0]}`))
    log("retry session done")
    await Bun.sleep(500)

    // 6. Write the fixtures.
    writeFixtures(oc, hookFile, log)
  } finally {
    await oc.stop()
    rmSync(hookFile, { force: true })
  }
}

await main()
