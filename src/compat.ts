/**
 * Which hooks the running OpenCode release can carry, from what the plugin can observe
 * cheaply: the host's version (read next to its binary, or from /global/health) and, when
 * that is unknown, the shape of its first events. Pure: callers pass the observations in.
 * The release ranges come from `npm run test:compat` (README, "Compatibility").
 */
import type { HookName } from "./options"

export type Version = readonly [number, number, number]

export interface HostFacts {
  /** OpenCode's version, e.g. "1.18.33"; undefined when it could not be learned. */
  version?: string
  /** From event shapes: whether message events carry a top-level `sessionID` (1.14.41 on). */
  topLevelSessionID?: boolean
}

export interface CompatGap {
  hook: HookName
  /** One sentence for longrun_status and the log. */
  reason: string
}

export function parseVersion(text: unknown): Version | undefined {
  if (typeof text !== "string") return undefined
  const m = text.trim().match(/^v?(\d+)\.(\d+)\.(\d+)/)
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined
}

export function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return 0
}

const inRange = (v: Version, from: Version, before: Version) => compareVersions(v, from) >= 0 && compareVersions(v, before) < 0

interface Rule {
  from: Version
  /** exclusive */
  before: Version
  hooks: HookName[]
  reason: string
}

// 1.15.0-1.17.10 serve a plugin's calls back into OpenCode in a second server instance.
// Measured (npm run test:compat, 1.15.13): background results never reach the parent.
// Compaction ran twice (1.15.13) or its session.compacted never arrived (1.17.0).
// Todo continuation still reached the model there, so it stays on.
const RULES: Rule[] = [
  {
    from: [1, 15, 0],
    before: [1, 17, 11],
    hooks: ["background-agents", "preemptive-compaction"],
    reason:
      "OpenCode 1.15.0 to 1.17.10 serves a plugin's calls back into the server in a second instance, so their results do not reach this session (fixed in 1.17.11)",
  },
  {
    from: [1, 15, 0],
    before: [1, 15, 1],
    hooks: ["context-window-monitor"],
    reason: "OpenCode 1.15.0 sends no message events, so token usage is never seen",
  },
]

/** The hooks to turn off on this host, each with the reason. Unknown host: none. */
export function compatGaps(facts: HostFacts): CompatGap[] {
  const v = parseVersion(facts.version)
  if (!v) return []
  const gaps: CompatGap[] = []
  for (const rule of RULES) {
    if (!inRange(v, rule.from, rule.before)) continue
    for (const hook of rule.hooks) if (!gaps.some((g) => g.hook === hook)) gaps.push({ hook, reason: rule.reason })
  }
  return gaps
}

/**
 * The version of an npm-installed OpenCode, from the package.json one folder above its
 * binary (`opencode-ai/bin/opencode.exe`, `opencode-linux-x64/bin/opencode`). `read`
 * returns a file's text or undefined; the name check keeps an unrelated package.json
 * (a binary installed elsewhere) from answering.
 */
export function versionNextToBinary(execPath: string, read: (path: string) => string | undefined): string | undefined {
  const sep = execPath.includes("\\") && !execPath.includes("/") ? "\\" : "/"
  const parts = execPath.split(sep)
  if (parts.length < 3) return undefined
  const path = [...parts.slice(0, -2), "package.json"].join(sep)
  let pkg: { name?: unknown; version?: unknown }
  try {
    pkg = JSON.parse(read(path) ?? "null") ?? {}
  } catch {
    return undefined
  }
  if (typeof pkg.name !== "string" || !/^opencode-(ai|(linux|darwin|windows)-[a-z0-9-]+)$/.test(pkg.name)) return undefined
  return parseVersion(pkg.version) ? String(pkg.version) : undefined
}

/** The version in a `/global/health` answer (`{ healthy: true, version: "1.18.33" }`, every release tried). */
export function versionFromHealth(body: unknown): string | undefined {
  const v = (body as { version?: unknown } | null)?.version
  return parseVersion(v) ? String(v) : undefined
}

/**
 * What an event says about the host's era: `message.updated`, `message.part.updated` and
 * `session.created` carry a top-level `sessionID` from 1.14.41 on, before that only
 * inside `info` or `part`. Undefined for events that tell nothing.
 */
export function topLevelSessionIDFromEvent(event: unknown): boolean | undefined {
  type Inner = { sessionID?: unknown; id?: unknown } | undefined
  const e = event as { type?: unknown; properties?: { sessionID?: unknown; info?: Inner; part?: Inner } } | null
  if (!e || typeof e.type !== "string" || !e.properties || typeof e.properties !== "object") return undefined
  if (!["message.updated", "message.part.updated", "session.created"].includes(e.type)) return undefined
  if (typeof e.properties.sessionID === "string") return true
  const inner = e.properties.info?.sessionID ?? e.properties.info?.id ?? e.properties.part?.sessionID
  return typeof inner === "string" ? false : undefined
}
