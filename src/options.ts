import { tool } from "@opencode-ai/plugin"

// The plugin package re-exports the zod that OpenCode itself uses; using it avoids a second copy.
const z = tool.schema

/** Every hook this plugin can run. `disabled_hooks` takes these names. */
export const HOOK_NAMES = [
  "context-window-monitor",
  "preemptive-compaction",
  "todo-continuation",
  "background-agents",
  "large-payload-guard",
  "memory-watchdog",
  // --- sidebar (TUI half's data) ---
  "sidebar",
  // --- end sidebar ---
] as const
export type HookName = (typeof HOOK_NAMES)[number]

const ratio = z.number().gt(0).lt(1)
const ms = z.number().int().min(0)
const count = z.number().int().min(1)

/**
 * The single options schema. Each entry is validated on its own, so one bad value
 * falls back to its default and the rest of the user's options still apply.
 * Keep README.md's options table in step with this object.
 */
export const optionShapes = {
  // core
  disabled_hooks: z.array(z.string()).default([]),
  session_ttl_ms: ms.default(30 * 60_000),
  max_sessions: count.default(200),
  sweep_interval_ms: z.number().int().min(1000).default(60_000),
  message_cap: count.default(200),
  message_cap_hysteresis: count.default(50),
  error_log_interval_ms: ms.default(60_000),
  // context-window monitor
  context_warning_thresholds: z.array(ratio).min(1).default([0.7, 0.85]),
  // preemptive compaction
  compaction_threshold: ratio.default(0.8),
  compaction_cooldown_ms: ms.default(60_000),
  compaction_timeout_ms: z.number().int().min(1000).default(120_000),
  compaction_max_retries: z.number().int().min(0).max(10).default(2),
  compaction_retry_base_ms: z.number().int().min(100).default(5_000),
  compaction_include_todos: z.boolean().default(true),
  // todo continuation
  todo_countdown_ms: ms.default(2_000),
  todo_cooldown_ms: ms.default(5_000),
  todo_stagnation_limit: count.default(3),
  todo_max_failures: count.default(3),
  todo_skip_agents: z.array(z.string()).default(["plan", "compaction"]),
  // background agents
  background_concurrency: count.default(2),
  background_provider_concurrency: z.record(z.string(), count).default({}),
  background_model_concurrency: z.record(z.string(), count).default({}),
  background_stale_ms: z.number().int().min(1000).default(180_000),
  background_timeout_ms: z.number().int().min(1000).default(30 * 60_000),
  background_retention_ms: ms.default(10 * 60_000),
  background_result_max_chars: z.number().int().min(200).default(4_000),
  // large payloads
  large_payload_warn_bytes: z.number().int().min(1024).default(1024 * 1024),
  tool_output_cap_bytes: ms.default(0),
  // memory watchdog
  memory_sample_interval_ms: ms.default(30_000),
  memory_rss_warn_mb: z.number().min(0).default(2048),
  memory_growth_warn_mb_per_min: z.number().min(0).default(200),
  memory_growth_window_ms: z.number().int().min(1000).default(5 * 60_000),
  // --- sidebar (TUI half's data) ---
  /** how often the per-session sidebar snapshots are refreshed (written only when changed) */
  sidebar_interval_ms: z.number().int().min(250).default(1_000),
  /** where the snapshots go; empty: $XDG_STATE_HOME/opencode-longrun/sidebar */
  sidebar_dir: z.string().default(""),
  // --- end sidebar ---
}

type Shapes = typeof optionShapes
const defaultsSchema = z.object(optionShapes)
export type LongrunOptions = ReturnType<typeof defaultsSchema.parse>

export function defaultOptions(): LongrunOptions {
  return defaultsSchema.parse({}) as LongrunOptions
}

export interface OptionProblem {
  key: string
  message: string
}

export interface ParsedOptions {
  options: LongrunOptions
  problems: OptionProblem[]
}

function describeExpected(key: keyof Shapes): string {
  const fallback = JSON.stringify(defaultsSchema.shape[key].parse(undefined))
  return `expected a value like ${fallback}`
}

/**
 * Validates user options key by key. Never throws: bad values are reported in
 * `problems` (naming the key and the expected form) and replaced by defaults.
 */
export function parseOptions(raw: unknown): ParsedOptions {
  const options = defaultOptions()
  const problems: OptionProblem[] = []
  if (raw === undefined || raw === null) return { options, problems }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    problems.push({ key: "(options)", message: `plugin options must be an object, got ${typeof raw}; using defaults` })
    return { options, problems }
  }
  const record = raw as Record<string, unknown>
  const writable = options as Record<string, unknown>
  for (const [key, value] of Object.entries(record)) {
    if (!(key in optionShapes)) {
      problems.push({ key, message: `unknown option "${key}" ignored` })
      continue
    }
    const k = key as keyof Shapes
    const result = optionShapes[k].safeParse(value)
    if (result.success) {
      writable[key] = result.data
    } else {
      const issue = result.error.issues[0]
      problems.push({
        key,
        message: `option "${key}" is invalid (${issue?.message ?? "bad value"}); ${describeExpected(k)}; using the default`,
      })
    }
  }
  // Hook names are checked separately: an unknown name is reported, the known ones still apply.
  const known = new Set<string>(HOOK_NAMES)
  const unknownHooks = options.disabled_hooks.filter((h) => !known.has(h))
  if (unknownHooks.length > 0) {
    problems.push({
      key: "disabled_hooks",
      message: `unknown hook name(s) in "disabled_hooks": ${unknownHooks.join(", ")}; known hooks: ${HOOK_NAMES.join(", ")}`,
    })
    options.disabled_hooks = options.disabled_hooks.filter((h) => known.has(h))
  }
  if (options.message_cap_hysteresis > options.message_cap) {
    problems.push({
      key: "message_cap_hysteresis",
      message: `option "message_cap_hysteresis" (${options.message_cap_hysteresis}) must not exceed "message_cap" (${options.message_cap}); using ${options.message_cap}`,
    })
    options.message_cap_hysteresis = options.message_cap
  }
  return { options, problems }
}

export function isHookEnabled(options: LongrunOptions, name: HookName): boolean {
  return !options.disabled_hooks.includes(name)
}
