/** Where things are, and the opencode.json the harness writes for a run. */
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import type { AutoReplies, Script } from "../model-server"

export const REPO_ROOT = resolve(import.meta.dir, "../..")
/** E2E_OPENCODE_BIN runs another opencode binary (the compat runner, test/compat/run.ts, sets it). */
export const OPENCODE_BIN = process.env.E2E_OPENCODE_BIN || join(REPO_ROOT, "node_modules/.bin/opencode")
export const DEFAULT_PLUGIN_URL = pathToFileURL(join(REPO_ROOT, "src/index.ts")).href
export const CACHE_ROOT = join(REPO_ROOT, "node_modules/.cache/opencode-longrun-e2e")
export const PROVIDER_ID = "scripted"
export const MODEL_ID = "scripted-model"

export type PluginSpec = string | [string, Record<string, unknown>]

export interface StartOptions {
  /** Scripts the model's replies. Default: every agent turn answers "Done.". */
  script?: Script
  /** Automatic replies for title and compaction requests (see testkit/model-server). */
  auto?: AutoReplies
  /** Plugin entry: file:// URL or absolute path. Default: this repo's src/index.ts. `false`: load none. */
  plugin?: string | false
  /** Second element of the plugin tuple (the plugin's options). */
  pluginOptions?: Record<string, unknown>
  /** More plugins, loaded after the main one. */
  extraPlugins?: PluginSpec[]
  /** Model limits. Defaults: context 20000, output 2000. */
  limit?: { context?: number; output?: number; input?: number }
  /** Deep-merged into opencode.json last (e.g. `{ snapshot: false, compaction: { auto: false } }`). */
  config?: Record<string, unknown>
  /** Files written into the project (relative paths) before its initial commit. */
  files?: Record<string, string>
  /** Extra environment for the opencode process. */
  env?: Record<string, string>
  logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR"
  /** Time allowed for spawn + bootstrap (includes the one-time install). Default 240 s. */
  startTimeoutMs?: number
  /**
   * OpenCode only logs "failed to load plugin" and carries on without it. By default
   * startOpencode throws instead; set true to allow it (e.g. to test a broken plugin).
   */
  allowPluginLoadErrors?: boolean
}

export function opencodeVersion(): string {
  try {
    // An overriding binary lives in <package>/bin/opencode: its package.json names the version.
    const bin = process.env.E2E_OPENCODE_BIN
    const pkg = bin ? resolve(bin, "../../package.json") : join(REPO_ROOT, "node_modules/opencode-ai/package.json")
    return JSON.parse(readFileSync(pkg, "utf8")).version
  } catch {
    return "unknown"
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

export function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base }
  for (const [k, v] of Object.entries(extra)) {
    const cur = out[k]
    out[k] = isPlainObject(cur) && isPlainObject(v) ? deepMerge(cur, v) : v
  }
  return out
}

function toPluginUrl(p: string): string {
  // Absolute paths become file:// URLs; file:// URLs and npm package names pass through.
  return p.startsWith("/") ? pathToFileURL(p).href : p
}

export function buildConfig(opts: StartOptions, modelUrl: string): Record<string, unknown> {
  const plugins: PluginSpec[] = []
  if (opts.plugin !== false) plugins.push([toPluginUrl(opts.plugin ?? DEFAULT_PLUGIN_URL), opts.pluginOptions ?? {}])
  for (const p of opts.extraPlugins ?? []) plugins.push(typeof p === "string" ? toPluginUrl(p) : [toPluginUrl(p[0]), p[1]])
  const limit: Record<string, number> = { context: opts.limit?.context ?? 20000, output: opts.limit?.output ?? 2000 }
  if (opts.limit?.input !== undefined) limit.input = opts.limit.input
  const base: Record<string, unknown> = {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    provider: {
      [PROVIDER_ID]: {
        npm: "@ai-sdk/openai-compatible",
        name: "Scripted",
        options: { baseURL: modelUrl, apiKey: "e2e" },
        models: { [MODEL_ID]: { name: "Scripted", limit, tool_call: true } },
      },
    },
    model: `${PROVIDER_ID}/${MODEL_ID}`,
    small_model: `${PROVIDER_ID}/${MODEL_ID}`,
    permission: { "*": "allow", question: "deny" },
    plugin: plugins,
  }
  return opts.config ? deepMerge(base, opts.config) : base
}
