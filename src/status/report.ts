import type { SessionEntry } from "../cache/session-entry"
import type { SessionStore } from "../cache/session-store"
import type { LongrunOptions } from "../options"
import { formatBytes, table } from "./format"
import { processMemory, type ProcessMemory } from "./memory"
import { entriesIn } from "./scope"
import type { CacheReport, StatusScope, StatusSection } from "./types"

export { formatBytes, table } from "./format"

export interface SessionReport {
  id: string
  parentID?: string
  status: string
  agent?: string
  model?: string
  epoch: number
  events: number
  messages: number
  messagesTrimmed: number
  anchor?: string
  usage?: { total: number; messageID: string }
  todos?: { done: number; total: number }
  textBytes: number
  toolOutputBytes: number
  diffBodyBytes: number
  largestPayloads: Array<{ kind: string; label: string; bytes: number }>
  retainedBytes: number
  retainedByHook: Record<string, number>
  expiresInMs?: number
}

export interface StatusReport {
  generatedAt: string
  /** whose report: one session and its descendants, or (the user's /longrun-status all) every session */
  scope: { sessionID: string; sessions: number; otherSessions: number } | "all"
  store: {
    sessions: number
    maxSessions: number
    ttlMs: number
    added: number
    expired: number
    evicted: number
    deleted: number
  }
  caches: CacheReport[]
  retainedBytes: number
  sessions: SessionReport[]
  clientCalls: Record<string, number>
  events: Record<string, number>
  sections: Array<StatusSection & { hook: string }>
  memory: ProcessMemory
}

export function sessionReport(entry: SessionEntry, store: SessionStore): SessionReport {
  const est = entry.estimate()
  const hookBytes = Object.values(est.hooks).reduce((a, b) => a + b, 0)
  const todos = entry.todos
  return {
    id: entry.id,
    parentID: entry.parentID,
    status: entry.status,
    agent: entry.agent,
    model: entry.providerID && entry.modelID ? `${entry.providerID}/${entry.modelID}` : undefined,
    epoch: entry.epoch,
    events: entry.events,
    messages: entry.messages.size,
    messagesTrimmed: entry.messages.trimmed,
    anchor: entry.messages.anchor,
    usage: entry.usage ? { total: entry.usage.total, messageID: entry.usage.messageID } : undefined,
    todos: todos ? { done: todos.filter((t) => t.status === "completed").length, total: todos.length } : undefined,
    textBytes: entry.textBytes,
    toolOutputBytes: entry.toolOutputBytes,
    diffBodyBytes: entry.diffBodyBytes,
    largestPayloads: entry.largest.map((p) => ({ ...p })),
    retainedBytes: est.store + hookBytes,
    retainedByHook: est.hooks,
    expiresInMs: store.remainingTtl(entry.id),
  }
}

/** What the hooks contribute to a report; the plugin collects it, so status imports no hook. */
export interface Contributions {
  caches: CacheReport[]
  sections: Array<StatusSection & { hook: string }>
}

/** Store-wide retained bytes, split by the store's own part and each hook's slots. */
export function sessionCaches(store: SessionStore): CacheReport[] {
  const hookTotals = new Map<string, { entries: number; bytes: number }>()
  let storeBytes = 0
  for (const e of store.entries()) {
    const est = e.estimate()
    storeBytes += est.store
    for (const [name, bytes] of Object.entries(est.hooks)) {
      const t = hookTotals.get(name) ?? { entries: 0, bytes: 0 }
      t.entries++
      t.bytes += bytes
      hookTotals.set(name, t)
    }
  }
  const caches: CacheReport[] = [{ name: "sessions", entries: store.size, bytes: storeBytes }]
  for (const [name, t] of hookTotals) caches.push({ name: `sessions/${name}`, ...t })
  return caches
}

export function buildStatus(deps: {
  store: SessionStore
  options: LongrunOptions
  contributions: Contributions
  clientCalls: Map<string, number>
  events: Map<string, number>
  now: () => number
  /** undefined: every session (never for a report a model reads) */
  scope?: StatusScope
}): StatusReport {
  const { store, options, scope } = deps
  const sessions = entriesIn(store, scope).map((e) => sessionReport(e, store))
  const caches = [...sessionCaches(store), ...deps.contributions.caches]
  const sections = deps.contributions.sections
  return {
    generatedAt: new Date(deps.now()).toISOString(),
    scope: scope ? { sessionID: scope.sessionID, sessions: sessions.length, otherSessions: store.size - sessions.length } : "all",
    store: {
      sessions: store.size,
      maxSessions: options.max_sessions,
      ttlMs: options.session_ttl_ms,
      ...pick(store.stats),
    },
    caches,
    retainedBytes: caches.reduce((a, c) => a + c.bytes, 0),
    sessions,
    clientCalls: Object.fromEntries([...deps.clientCalls].sort()),
    events: Object.fromEntries([...deps.events].sort()),
    sections,
    memory: processMemory(),
  }
}

function pick(s: SessionStore["stats"]) {
  return { added: s.added, expired: s.expired, evicted: s.evicted, deleted: s.deleted }
}

/** The report as text; it names only the sessions buildStatus put in it. */
export function renderStatus(r: StatusReport): string {
  const out: string[] = []
  out.push(
    `opencode-longrun status at ${r.generatedAt}: ${r.store.sessions}/${r.store.maxSessions} sessions tracked, ` +
      `~${formatBytes(r.retainedBytes)} retained by the plugin`,
  )
  if (r.scope !== "all" && r.scope.otherSessions > 0)
    out.push(
      `this session and its children only; ${r.scope.otherSessions} other session${r.scope.otherSessions === 1 ? "" : "s"} tracked ` +
        "(counted in the totals, not named here; the user can list them with /longrun-status all)",
    )
  out.push("")
  out.push("caches")
  out.push(
    table(
      ["cache", "entries", "retained"],
      r.caches.map((c) => [c.name, String(c.entries), formatBytes(c.bytes)]),
    ),
  )
  const sessions = r.sessions
  if (sessions.length > 0) {
    out.push("")
    out.push("sessions")
    out.push(
      table(
        ["session", "status", "msgs", "context", "todos", "text", "tool out", "diffs", "retained"],
        sessions.map((s) => [
          s.id + (s.parentID ? " (child)" : ""),
          s.status,
          s.messagesTrimmed > 0 ? `${s.messages}+${s.messagesTrimmed}` : String(s.messages),
          s.usage ? String(s.usage.total) : "-",
          s.todos ? `${s.todos.done}/${s.todos.total}` : "-",
          formatBytes(s.textBytes),
          formatBytes(s.toolOutputBytes),
          formatBytes(s.diffBodyBytes),
          formatBytes(s.retainedBytes),
        ]),
      ),
    )
    const big = sessions.flatMap((s) => s.largestPayloads.slice(0, 3).map((p) => [s.id, p.kind, p.label, formatBytes(p.bytes)]))
    if (big.length > 0) {
      out.push("")
      out.push("largest payloads seen (sizes only; the plugin keeps none of them)")
      out.push(table(["session", "kind", "what", "size"], big))
    }
  }
  const m = r.memory
  out.push("")
  out.push("memory")
  out.push(
    `process: RSS ${formatBytes(m.rss)}, JS heap used ${formatBytes(m.heapUsed)} (heapTotal ${formatBytes(m.heapTotal)})` +
      (m.jsc
        ? ` (JSC heap ${formatBytes(m.jsc.heapSize)}, of which strings and buffers ${formatBytes(m.jsc.extraMemorySize)})`
        : ""),
  )
  out.push(`plugin: ~${formatBytes(r.retainedBytes)} retained across ${r.caches.length} caches (estimated; see caches above)`)
  if (m.topTypes.length) {
    out.push("most common objects on the JS heap (counts, not sizes):")
    out.push(m.topTypes.map((t) => `${t.type} ${t.count.toLocaleString("en-US")}`).join(", "))
  }
  for (const s of r.sections) {
    out.push("")
    out.push(s.title)
    out.push(s.text)
  }
  const calls = Object.entries(r.clientCalls)
  out.push("")
  out.push(`client calls: ${calls.length ? calls.map(([k, v]) => `${k} ${v}`).join(", ") : "none"}`)
  return out.join("\n")
}
