/**
 * The writing half of record-fixtures.ts: picks one or a few examples of each distinct
 * event (type and variant), trims long strings, normalises temp paths, and writes them
 * with a _manifest.json into test/fixtures/events/.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { REPO_ROOT, type E2EEvent, type OpencodeHandle } from "../../testkit/opencode"

const OUT_DIR = join(REPO_ROOT, "test/fixtures/events")
const MAX_STRING = 1200
const PATH_PLACEHOLDER = "/tmp/opencode-longrun-e2e-XXXXXX"

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

/** Writes the fixtures from what the recorder plugin logged to `hookFile` (or, failing that, the /event stream). */
export function writeFixtures(oc: OpencodeHandle, hookFile: string, log: (msg: string) => void) {
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
    writeFileSync(join(OUT_DIR, file), `${normalise(JSON.stringify(trim(examples), null, 2), oc)}\n`)
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
  writeFileSync(manifestPath, `${normalise(JSON.stringify(manifest, null, 2), oc)}\n`)
  log(`wrote ${files.length} fixture files to ${OUT_DIR}`)
  console.log(JSON.stringify(manifest.hookVsStream, null, 2))
}
