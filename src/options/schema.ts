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
  "context-pruning",
  "bill",
  "sidebar",
] as const
export type HookName = (typeof HOOK_NAMES)[number]

// Every number has both bounds. Durations stay far below 2^31-1 ms: above it the runtime's timers
// fire after 1 ms instead, which turned a 35-day sweep interval into a busy loop.
const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const WEEK = 7 * DAY
const GIB = 1024 * 1024 * 1024
const MAX_LIMIT_ENTRIES = 100

const int = (min: number, max: number) => z.number().int().min(min).max(max)
const ratio = () => z.number().gt(0).lt(1)
const names = (maxItems: number, maxLength: number) => z.array(z.string().min(1).max(maxLength)).max(maxItems)
// Concurrency limits by provider or model name.
const limits = () =>
  z
    .record(z.string().min(1).max(200), int(1, 100))
    .refine((o) => Object.keys(o).length <= MAX_LIMIT_ENTRIES, `at most ${MAX_LIMIT_ENTRIES} entries`)
    .meta({ maxProperties: MAX_LIMIT_ENTRIES })

/**
 * The single options schema: each option's type, bounds, default and description live here, and
 * nowhere else. README.md's options table and schema/options.schema.json are generated from it
 * (`npm run docs`). Each entry is validated on its own, so one bad value falls back to its default
 * and the rest of the user's options still apply.
 */
export const optionShapes = {
  // core
  disabled_hooks: names(16, 64)
    .default([])
    // Editors get the known names; the plugin itself reports an unknown name and ignores it.
    .meta({ items: { type: "string", enum: [...HOOK_NAMES] } })
    .describe("Hooks to turn off, by name; an unknown name is reported and ignored."),
  session_ttl_ms: int(0, WEEK)
    .default(30 * MINUTE)
    .describe("A session inactive this long is dropped from the cache; activity refreshes it."),
  max_sessions: int(1, 10_000).default(200).describe("Most sessions kept; the least recently active goes first."),
  sweep_interval_ms: int(SECOND, DAY)
    .default(MINUTE)
    .describe("How often expired sessions are swept (one `unref()`'d interval)."),
  message_cap: int(1, 10_000).default(200).describe("Message records kept per session."),
  message_cap_hysteresis: int(1, 10_000)
    .default(50)
    .describe("Records allowed past the cap before the window advances; at most `message_cap`."),
  error_log_interval_ms: int(0, DAY)
    .default(MINUTE)
    .describe("At most one error log line per hook per interval; the rest are counted."),
  // context-window monitor
  context_warning_thresholds: z
    .array(ratio())
    .min(1)
    .max(10)
    .default([0.7, 0.85])
    .describe("Fractions of the context window at which the monitor warns, once per context epoch."),
  context_note_to_agent: z
    .boolean()
    .default(true)
    .describe("Whether the context-window monitor appends its usage note (plain data) to the agent's tool results."),
  // preemptive compaction
  compaction_threshold: ratio()
    .default(0.8)
    .describe(
      "Fraction of the context window at which the session is compacted; lowered below OpenCode's own overflow point if needed.",
    ),
  compaction_cooldown_ms: int(0, DAY).default(MINUTE).describe("Least time between two compactions of a session."),
  compaction_timeout_ms: int(SECOND, DAY)
    .default(2 * MINUTE)
    .describe("A compaction without `session.compacted` by then has failed."),
  compaction_max_retries: int(0, 10).default(2).describe("Retries after a failed compaction, with exponential backoff."),
  // Bounded so that the last doubled delay (base * 2^9) stays far below 2^31-1 ms.
  compaction_retry_base_ms: int(100, 10 * MINUTE)
    .default(5 * SECOND)
    .describe("First retry delay; each further retry doubles it."),
  compaction_include_todos: z.boolean().default(true).describe("Add open todos to the compaction prompt so they survive it."),
  // todo continuation
  todo_countdown_ms: int(0, HOUR)
    .default(2 * SECOND)
    .describe("Countdown before the continuation prompt."),
  todo_cooldown_ms: int(0, DAY)
    .default(5 * SECOND)
    .describe("Least time between two continuation prompts."),
  todo_stagnation_limit: int(1, 100)
    .default(3)
    .describe("Continuations with unchanged todos before the enforcer stops for the session."),
  todo_max_failures: int(1, 100).default(3).describe("Consecutive failed prompts before the enforcer stops for the session."),
  todo_skip_agents: names(64, 128).default(["plan", "compaction"]).describe("Agents whose sessions are never continued."),
  // background agents
  background_concurrency: int(1, 100)
    .default(2)
    .describe("Running background tasks per model, unless `background_model_concurrency` sets that model."),
  background_provider_concurrency: limits()
    .default({})
    .describe('Running background tasks per provider, e.g. `{ "anthropic": 3 }`.'),
  background_model_concurrency: limits()
    .default({})
    .describe('Running background tasks per model, e.g. `{ "openai/gpt-5": 1 }`.'),
  background_stale_ms: int(SECOND, DAY)
    .default(3 * MINUTE)
    .describe("A task with no activity this long is cancelled."),
  background_timeout_ms: int(SECOND, DAY)
    .default(30 * MINUTE)
    .describe("A task running this long is cancelled."),
  background_retention_ms: int(0, DAY)
    .default(10 * MINUTE)
    .describe("Finished tasks stay readable by `background_output` this long."),
  background_result_max_chars: int(200, 1_000_000)
    .default(4_000)
    .describe("Longest result returned; the rest stays in the child session."),
  background_resume: z
    .boolean()
    .default(true)
    .describe(
      "After OpenCode restarts, a task that was running is resumed in its child session (one prompt to continue); false: its parent is told it was interrupted, with what it had produced.",
    ),
  // large payloads
  large_payload_warn_bytes: int(1024, GIB)
    .default(1024 * 1024)
    .describe("Warn when one event's snapshot diff bodies exceed this many bytes."),
  tool_output_cap_bytes: int(0, GIB)
    .default(0)
    .describe("Cap tool outputs above this many bytes (head and tail kept, full output saved to a file); 0 = off."),
  // memory watchdog
  memory_sample_interval_ms: int(0, DAY)
    .default(30 * SECOND)
    .describe("Memory sampler interval; 0 = off."),
  memory_rss_warn_mb: z
    .number()
    .min(0)
    .max(1024 * 1024)
    .default(2048)
    .describe("Warn when the process's RSS crosses this many MB."),
  memory_growth_warn_mb_per_min: z
    .number()
    .min(0)
    .max(1024 * 1024)
    .default(200)
    .describe("Warn when RSS grows faster than this many MB per minute."),
  memory_growth_window_ms: int(SECOND, DAY)
    .default(5 * MINUTE)
    .describe("Window over which RSS growth is measured."),
  // context pruning
  pruning_dedupe: z
    .boolean()
    .default(true)
    .describe(
      "A tool output identical to an earlier one still sent (same tool, arguments and output, or a read returning what a write wrote) is sent as a short reference to it.",
    ),
  pruning_superseded_reads: z
    .boolean()
    .default(true)
    .describe(
      "A file read made stale by a later read or write of the same file that changed it is left out (the newest copy stays).",
    ),
  pruning_superseded_writes: z
    .boolean()
    .default(true)
    .describe("The content of a write made stale by a later write (or full read) of the same file is left out."),
  pruning_failed_inputs: z
    .boolean()
    .default(true)
    .describe("Long arguments of failed tool calls older than the newest pruning_keep_recent tool results are left out."),
  pruning_repeated_errors: z
    .boolean()
    .default(true)
    .describe("An error output identical to an earlier one is sent as a short reference to it."),
  pruning_near_duplicates: z
    .boolean()
    .default(true)
    .describe("An older run of a command that was run again with nearly the same output is left out (labelled as a rerun)."),
  pruning_mask_old: z
    .boolean()
    .default(true)
    .describe(
      "Any other tool output older than the newest pruning_keep_recent tool results is left out, with a placeholder that says how to recall it.",
    ),
  pruning_keep_recent: int(1, 1_000)
    .default(10)
    .describe(
      "The newest tool results of every request are always sent in full (or as a reference to an identical copy sent in full).",
    ),
  pruning_protected_tools: names(100, 100)
    .default(["task", "todowrite", "todoread", "skill", "question"])
    .describe("Tools whose calls are never pruned."),
  pruning_moments: z
    .enum(["cost", "cold", "always"])
    .default("cost")
    .describe(
      "When lossy changes are made: cost (when the prompt cache is cold anyway, or when the change pays for itself at the model's prices), cold (only when the cache is cold anyway), always (at every request: for models without a prompt cache).",
    ),
  // From 1 s: tests and benches stand in for a person's 12-minute pause with a short real one.
  prompt_cache_ttl_ms: int(SECOND, DAY)
    .default(5 * MINUTE)
    .describe(
      "How long the provider keeps a prompt prefix cached after its last use (Anthropic: 5 min, or 1 h when configured).",
    ),
  pruning_horizon_requests: int(1, 1_000)
    .default(20)
    .describe(
      "A change made while the cache is warm must pay for itself within this many further requests (and within 0.3 of the requests made so far).",
    ),
  pruning_risk: z
    .number()
    .min(0)
    .max(1)
    .default(0.1)
    .describe(
      "Most a change made while the cache is warm may cost at once more than it saves, as a share of the session's bill so far (0: never pay ahead).",
    ),
  pruning_toast_chars: int(0, 100_000_000)
    .default(40_000)
    .describe("A toast tells the user when one prune leaves out at least this many characters (0: never)."),
  // the bill
  bill_bust_toast_usd: z
    .number()
    .min(0)
    .max(1_000)
    .default(0.5)
    .describe(
      "A toast tells the user when one prompt-cache bust costs at least this many dollars at the model's prices (0: never).",
    ),
  // the journal (what a restart must not lose)
  journal: z
    .boolean()
    .default(true)
    .describe(
      "Keep a small journal of what a restart must not lose (background tasks, continuation stops, compaction attempts, prune decisions, the bill) and pick it up again when OpenCode starts.",
    ),
  journal_dir: z
    .string()
    .max(4096)
    .default("")
    .describe(
      "Folder for the journal; empty: $XDG_DATA_HOME/opencode-longrun/journal (or ~/.local/share/...), one folder per project.",
    ),
  journal_write_delay_ms: int(0, 2 * SECOND)
    .default(SECOND)
    .describe("A change is written at most this long after it, together with every other change made meanwhile."),
  journal_ttl_ms: int(MINUTE, WEEK)
    .default(WEEK)
    .describe("A session's journal that has not changed for this long is removed (a deleted session's at once)."),
  journal_max_sessions: int(1, 100_000)
    .default(500)
    .describe("Most sessions journaled per project; beyond it the least recently written go."),
  journal_max_session_bytes: int(4 * 1024, 64 * 1024 * 1024)
    .default(1024 * 1024)
    .describe(
      "Largest journal file of one session; a larger one leaves its prune decisions out (pruning then starts afresh after a restart).",
    ),
  // sidebar (the TUI half's data)
  sidebar_interval_ms: int(250, DAY)
    .default(SECOND)
    .describe(
      "How soon after a change a session's sidebar snapshot is rebuilt for the TUI half (only sessions that changed; written only when what they show changed; no timer while nothing changes).",
    ),
  sidebar_dir: z
    .string()
    .max(4096)
    .default("")
    .describe(
      "Folder for the sidebar snapshots (relative: to the project); empty: $XDG_STATE_HOME/opencode-longrun/sidebar (or ~/.local/state/...). The TUI half reads it from the server's config.",
    ),
}

export type OptionKey = keyof typeof optionShapes
export const optionsSchema = z.object(optionShapes)
export type LongrunOptions = ReturnType<typeof optionsSchema.parse>

export function defaultOptions(): LongrunOptions {
  return optionsSchema.parse({}) as LongrunOptions
}

/** The JSON Schema of one option, as editors see it (input side: every option is optional). */
export function optionJsonSchema(key: OptionKey): Record<string, unknown> {
  const { $schema: _, ...rest } = z.toJSONSchema(optionShapes[key], { io: "input" }) as Record<string, unknown>
  return rest
}

/** The JSON Schema of the whole options object, shipped as schema/options.schema.json. */
export function optionsJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(z.strictObject(optionShapes), { io: "input" }) as Record<string, unknown>
  const properties = schema.properties as Record<string, unknown>
  return {
    $schema: schema.$schema,
    title: "opencode-longrun options",
    description: 'Options of the opencode-longrun OpenCode plugin: the object in ["opencode-longrun", { ... }] in opencode.json.',
    type: "object",
    // A "$schema" key lets an editor check a file of options; the plugin ignores it.
    properties: { $schema: { type: "string" }, ...properties },
    additionalProperties: false,
  }
}
