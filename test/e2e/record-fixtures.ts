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
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { MODEL_ID, PROVIDER_ID, REPO_ROOT, startOpencode, type E2EEvent, type OpencodeHandle } from "../../testkit/opencode"
import { bySession, sequence, type Reply } from "../../testkit/model-server"

const OUT_DIR = join(REPO_ROOT, "test/fixtures/events")
const MAX_STRING = 1200
const PATH_PLACEHOLDER = "/tmp/opencode-longrun-e2e-XXXXXX"

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
  ["record: child task prompt", sequence([{ text: "Child finished its task.", usage: { prompt_tokens: 900, completion_tokens: 8 } }])],
  ["record: abort me", sequence([{ toolCalls: [{ name: "bash", args: { command: "sleep 30", description: "Sleep for a while" } }] }])],
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
      { error: { status: 503, message: "The server is overloaded, try again.", type: "server_error", headers: { "retry-after-ms": "300" } } },
      { text: "Answered after a retry.", usage: { prompt_tokens: 400, completion_tokens: 6 } },
    ]),
  ],
  ["record: main", sequence(mainReplies)],
])

// ---------------------------------------------------------------------------------------

function trim(value: unknown): unknown {
  if (typeof value === "string") {
    return value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…[trimmed ${value.length - MAX_STRING} chars]` : value
  }
  if (Array.isArray(value)) {
    const items = value.slice(0, 25).map(trim)
    if (value.length > 25) items.push(`…[trimmed ${value.length - 25} items]`)
    return items
  }
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trim(v)]))
  }
  return value
}

type Raw = { type: string; properties: any; id?: string }

/** [file name (without .json), variant]: one example is kept per variant. */
function classify(e: Raw): [string, string] {
  const p = e.properties ?? {}
  switch (e.type) {
    case "message.updated": {
      const info = p.info ?? {}
      if (info.role === "user") return ["message.updated.user", info.summary ? "with-summary" : "new"]
      if (info.error) return ["message.updated.assistant-error", String(info.error.name)]
      if (info.summary === true) return ["message.updated.assistant-summary", info.time?.completed ? "completed" : "started"]
      const cached = info.tokens?.cache?.read > 0 ? "+cache" : ""
      return ["message.updated.assistant", (info.time?.completed ? "completed" : info.finish ? "finished" : "started") + cached]
    }
    case "message.part.updated": {
      const part = p.part ?? {}
      if (part.type === "tool") return ["message.part.updated.tool", `${part.tool}:${part.state?.status}`]
      if (part.type === "step-finish")
        return ["message.part.updated.step-finish", `${part.reason}${part.tokens?.cache?.read > 0 ? "+cache" : ""}`]
      return [`message.part.updated.${part.type}`, part.type === "text" ? (part.time?.end ? "final" : "streaming") : "any"]
    }
    case "session.status":
      return ["session.status", String(p.status?.type)]
    case "session.error":
      return ["session.error", String(p.error?.name)]
    case "session.created":
    case "session.updated":
      return [e.type, p.info?.parentID ? "child" : "root"]
    case "session.diff":
      return ["session.diff", Array.isArray(p.diff) && p.diff.length > 0 ? "non-empty" : "empty"]
    default:
      return [e.type, "any"]
  }
}

function select(events: Raw[]): Map<string, Raw[]> {
  const files = new Map<string, Map<string, Raw[]>>()
  for (const e of events) {
    const [file, variant] = classify(e)
    const variants = files.get(file) ?? new Map<string, Raw[]>()
    files.set(file, variants)
    const kept = variants.get(variant) ?? []
    variants.set(variant, kept)
    // One example per variant; for single-variant files keep the first and the last.
    if (kept.length === 0) kept.push(e)
    else if (variant === "any") kept[1] = e
  }
  const out = new Map<string, Raw[]>()
  for (const [file, variants] of files) out.set(file, [...variants.values()].flat())
  return out
}

function normalise(text: string, oc: OpencodeHandle): string {
  return text.split(oc.tmpRoot).join(PATH_PLACEHOLDER)
}

function keysDiff(a: any, b: any, path = ""): string[] {
  if (!a || !b || typeof a !== "object" || typeof b !== "object" || Array.isArray(a)) return []
  const out: string[] = []
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!(k in a)) out.push(`${path}${k} only in stream`)
    else if (!(k in b)) out.push(`${path}${k} only in hook`)
    else out.push(...keysDiff(a[k], b[k], `${path}${k}.`))
  }
  return out
}

// ---------------------------------------------------------------------------------------

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
    await oc.waitForEvent((e) => e.type === "session.error" && e.properties.sessionID === errID, 60_000, errSince).catch((e: Error) =>
      log(`no session.error for the provider error: ${e.message.split("\n")[0]}`),
    )
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
    const hookEvents: Raw[] = existsSync(hookFile)
      ? readFileSync(hookFile, "utf8")
          .split("\n")
          .filter((l) => l.trim().length > 0)
          .map((l) => JSON.parse(l).event)
      : []
    const streamEvents: Raw[] = oc.events.map(({ receivedAt: _r, ...e }: E2EEvent) => e)
    log(`${streamEvents.length} events over /event, ${hookEvents.length} through the plugin hook`)

    // How does the hook's view differ from the /event stream's?
    const streamById = new Map(streamEvents.filter((e) => e.id).map((e) => [e.id!, e]))
    const diffs = new Map<string, Set<string>>()
    let matched = 0
    for (const h of hookEvents) {
      const s = h.id ? streamById.get(h.id) : undefined
      if (!s) continue
      matched++
      for (const d of keysDiff(s, h)) {
        const set = diffs.get(h.type) ?? new Set<string>()
        set.add(d)
        diffs.set(h.type, set)
      }
    }
    const hookTypes = new Set(hookEvents.map((e) => e.type))
    const streamTypes = new Set(streamEvents.map((e) => e.type))

    const source = hookEvents.length > 0 ? hookEvents : streamEvents
    const selected = select(source)

    mkdirSync(OUT_DIR, { recursive: true })
    const manifestPath = join(OUT_DIR, "_manifest.json")
    if (existsSync(manifestPath)) {
      const old = JSON.parse(readFileSync(manifestPath, "utf8")) as { files?: string[] }
      for (const f of old.files ?? []) rmSync(join(OUT_DIR, f), { force: true })
    }
    const files: string[] = []
    for (const [name, examples] of [...selected].sort(([a], [b]) => a.localeCompare(b))) {
      const file = `${name}.json`
      files.push(file)
      writeFileSync(join(OUT_DIR, file), normalise(JSON.stringify(trim(examples), null, 2), oc) + "\n")
    }
    const manifest = {
      recordedWith: `opencode ${oc.model.requests[0]?.headers["user-agent"] ?? "?"}`,
      recordedAt: new Date().toISOString(),
      source: hookEvents.length > 0 ? "plugin event hook (fixtures/recorder-plugin.ts)" : "/event stream",
      note:
        "Each file is an array of real events ({ id, type, properties }), one example per variant. " +
        `Strings over ${MAX_STRING} chars are trimmed; temp paths are replaced by ${PATH_PLACEHOLDER}. ` +
        "Regenerate with: bun test/e2e/record-fixtures.ts",
      hookVsStream: {
        matchedById: matched,
        onlyInStream: [...streamTypes].filter((t) => !hookTypes.has(t)).sort(),
        onlyInHook: [...hookTypes].filter((t) => !streamTypes.has(t)).sort(),
        keyDifferences: Object.fromEntries([...diffs].map(([t, s]) => [t, [...s].sort()])),
      },
      counts: Object.fromEntries(
        [...source.reduce((m, e) => m.set(e.type, (m.get(e.type) ?? 0) + 1), new Map<string, number>())].sort(),
      ),
      files,
    }
    writeFileSync(manifestPath, normalise(JSON.stringify(manifest, null, 2), oc) + "\n")
    log(`wrote ${files.length} fixture files to ${OUT_DIR}`)
    console.log(JSON.stringify(manifest.hookVsStream, null, 2))
  } finally {
    await oc.stop()
    rmSync(hookFile, { force: true })
  }
}

await main()
