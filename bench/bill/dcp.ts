/**
 * DCP (`@tarquinen/opencode-dcp`), the popular pruning plugin, for the bill bench:
 * installed from npm into a folder the bench owns (never the project's dependencies), and
 * a model that does what DCP asks of it. DCP prunes only when the model calls its
 * `compress` tool (its deduplication and error purging run inside that call), and it asks
 * for the call with `<dcp-system-reminder>` nudges; a scripted model that ignored them
 * would measure DCP's prompt additions alone.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { RecordedRequest, Reply, Script } from "../../testkit/model-server"
import { CACHE_ROOT } from "../../testkit/opencode"

export const DCP_PACKAGE = "@tarquinen/opencode-dcp"
export const DCP_VERSION = "3.1.14"

export interface DcpInstall {
  entry?: string
  error?: string
  installMs: number
}

/**
 * `npm install --save-exact`: DCP's auto-update removes its install folder when the folder's
 * package.json asks for a range (npm's default `^3.1.14`) and the registry has a newer release.
 */
export function installDcp(version = DCP_VERSION): DcpInstall {
  const dir = join(CACHE_ROOT, `bench-dcp-${version}`)
  const pkg = join(dir, "node_modules", DCP_PACKAGE, "package.json")
  const t0 = performance.now()
  if (!existsSync(pkg)) {
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "bill-bench-dcp", private: true }))
    const r = spawnSync(
      "npm",
      ["install", "--no-audit", "--no-fund", "--save-exact", "--loglevel=error", `${DCP_PACKAGE}@${version}`],
      { cwd: dir, encoding: "utf8", timeout: 300_000 },
    )
    if (r.status !== 0 || !existsSync(pkg))
      return {
        error: `npm install failed: ${(r.stderr || r.stdout || String(r.error)).slice(-500)}`,
        installMs: performance.now() - t0,
      }
  }
  const meta = JSON.parse(readFileSync(pkg, "utf8")) as { version?: string; exports?: any; main?: string }
  if (meta.version !== version)
    return { error: `installed ${meta.version}, wanted ${version}`, installMs: performance.now() - t0 }
  // OpenCode loads a package's "./server" export when it has one (DCP ships a server and a TUI half).
  const server = meta.exports?.["./server"]?.import ?? meta.main ?? "dist/index.js"
  const entry = join(dir, "node_modules", DCP_PACKAGE, server)
  return existsSync(entry) ? { entry, installMs: performance.now() - t0 } : { error: `no entry ${entry}`, installMs: 0 }
}

const ID = /<dcp-message-id>(m\d{4}|b\d+)<\/dcp-message-id>/g
/** Messages left uncompressed at the end: the newest work stays verbatim. */
const KEEP = 10
const FILE = /\b(?:src|test)\/[\w-]+\.(?:test\.)?ts\b/g

/** The compress call a model makes when nudged: the oldest uncompressed messages but the newest KEEP. */
export function compressArgs(req: RecordedRequest): Record<string, unknown> | undefined {
  const ids: { id: string; at: number }[] = []
  const seen = new Set<string>()
  for (const m of req.allText.matchAll(ID))
    if (!seen.has(m[1]!)) {
      seen.add(m[1]!)
      ids.push({ id: m[1]!, at: m.index! })
    }
  const lastBlock = ids.findLastIndex((x) => x.id.startsWith("b"))
  const raw = ids.slice(lastBlock + 1)
  if (raw.length < KEEP + 4) return undefined
  const start = raw[0]!
  const end = raw[raw.length - 1 - KEEP]!
  const span = req.allText.slice(start.at, end.at)
  const files = [...new Set(span.match(FILE) ?? [])].sort()
  const cases = [...new Set(span.match(/fixed\(case-\d+\)/g) ?? [])].map((x) => x.slice(6, -1))
  const tests = span.match(/Tests: \d+ failed, \d+ passed, \d+ total/g) ?? []
  const summary = [
    `Work so far (${start.id} to ${end.id}).`,
    `Files read or changed: ${files.join(", ") || "none"}.`,
    `Cases fixed: ${cases.join(", ") || "none"} (each TODO return line replaced by a fixed(case-N) line).`,
    `Last test run in this range: ${tests.at(-1) ?? "none"}.`,
    "Failed edits were retried after reading the file again; nothing is pending from this range.",
  ].join("\n")
  return { topic: "Earlier fixes", content: [{ startId: start.id, endId: end.id, summary }] }
}

/**
 * A fresh nudge: DCP anchors it on the newest OpenCode message, whose text reaches the
 * provider in the last assistant message (its tool results follow); older nudges stay
 * where they were anchored.
 */
function nudged(req: RecordedRequest): boolean {
  const last = req.messages.findLast((m) => m.role === "assistant")
  return JSON.stringify(last ?? "").includes("<dcp-system-reminder>")
}

/** The model answers a fresh DCP nudge with a compress call, then goes on with its work. */
export function dcpObedient(inner: Script, log: { at: number[] }): Script {
  return (req, ctx) => {
    if (req.kind === "agent" && req.toolNames.includes("compress") && nudged(req)) {
      const args = compressArgs(req)
      if (args) {
        log.at.push(req.index)
        return { toolCalls: [{ name: "compress", args }] } satisfies Reply
      }
    }
    return inner(req, ctx)
  }
}
