/** Where things are, and the opencode.json the harness writes for a run. */
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { pathToFileURL } from "node:url"
import type { AutoReplies, ModelServerOptions, Script } from "../model-server"

export const REPO_ROOT = resolve(import.meta.dir, "../..")
/** E2E_OPENCODE_BIN runs another opencode binary (the compat runner, test/compat/run.ts, sets it). */
export const OPENCODE_BIN = process.env.E2E_OPENCODE_BIN || join(REPO_ROOT, "node_modules/.bin/opencode")
export const DEFAULT_PLUGIN_URL = pathToFileURL(join(REPO_ROOT, "src/index.ts")).href
export const CACHE_ROOT = join(REPO_ROOT, "node_modules/.cache/opencode-longrun-e2e")
export const PROVIDER_ID = "scripted"
export const MODEL_ID = "scripted-model"
/** The provider and model the harness configures for `api: "anthropic"` (what Claude users have). */
export const ANTHROPIC_PROVIDER_ID = "anthropic"
export const ANTHROPIC_MODEL_ID = "claude-scripted"
/** Sonnet-class catalogue prices, per million tokens. */
export const SONNET_COST = { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 }

/** Catalogue prices per million tokens, as opencode.json spells them. */
export interface ModelCost {
  input: number
  output: number
  cache_read?: number
  cache_write?: number
}

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
  /**
   * Which API OpenCode's provider speaks to the scripted server: "openai" (default:
   * `@ai-sdk/openai-compatible`, provider "scripted", model "scripted-model") or "anthropic"
   * (`@ai-sdk/anthropic`, bundled in OpenCode 1.18.33: provider "anthropic", model "claude-scripted").
   */
  api?: "openai" | "anthropic"
  /** Overrides the provider id / model id that `api` picks. */
  providerID?: string
  modelID?: string
  /** The model's catalogue prices (reach plugins as `chat.params` input.model.cost). Default: none (0). */
  cost?: ModelCost
  /** Passed on to the model server: its clock and prompt caches. */
  modelServer?: Pick<ModelServerOptions, "now" | "anthropicCache" | "openaiCache">
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

/** The provider id, model id and provider npm package a run uses. */
export function providerOf(opts: Pick<StartOptions, "api" | "providerID" | "modelID">) {
  const anthropic = opts.api === "anthropic"
  return {
    providerID: opts.providerID ?? (anthropic ? ANTHROPIC_PROVIDER_ID : PROVIDER_ID),
    modelID: opts.modelID ?? (anthropic ? ANTHROPIC_MODEL_ID : MODEL_ID),
    npm: anthropic ? "@ai-sdk/anthropic" : "@ai-sdk/openai-compatible",
  }
}

export function buildConfig(opts: StartOptions, modelUrl: string): Record<string, unknown> {
  const plugins: PluginSpec[] = []
  if (opts.plugin !== false) plugins.push([toPluginUrl(opts.plugin ?? DEFAULT_PLUGIN_URL), opts.pluginOptions ?? {}])
  for (const p of opts.extraPlugins ?? []) plugins.push(typeof p === "string" ? toPluginUrl(p) : [toPluginUrl(p[0]), p[1]])
  const limit: Record<string, number> = { context: opts.limit?.context ?? 20000, output: opts.limit?.output ?? 2000 }
  if (opts.limit?.input !== undefined) limit.input = opts.limit.input
  const { providerID, modelID, npm } = providerOf(opts)
  const model: Record<string, unknown> = { name: "Scripted", limit, tool_call: true }
  if (opts.cost) model.cost = opts.cost
  const base: Record<string, unknown> = {
    $schema: "https://opencode.ai/config.json",
    autoupdate: false,
    share: "disabled",
    provider: {
      [providerID]: {
        npm,
        name: "Scripted",
        options: { baseURL: modelUrl, apiKey: "e2e" },
        models: { [modelID]: model },
      },
    },
    model: `${providerID}/${modelID}`,
    small_model: `${providerID}/${modelID}`,
    permission: { "*": "allow", question: "deny" },
    plugin: plugins,
  }
  return opts.config ? deepMerge(base, opts.config) : base
}
