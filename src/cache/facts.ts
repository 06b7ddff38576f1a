/**
 * Facts one hook publishes for the others (and for the status report and the TUI),
 * as named, typed fields of the session entry. Each has exactly one writer, named
 * here; every other module only reads it. A reader never imports the writer's module.
 */

/** Writer: preemptive-compaction. */
export interface CompactionFact {
  /** a compaction of this session is running: ours in flight, or OpenCode's own */
  inFlight: boolean
  /** the plugin's own state machine, for display */
  phase: "idle" | "armed" | "in-flight" | "host-compacting" | "gave-up"
  /** token count at which the plugin compacts; undefined until the model's limit is known */
  thresholdTokens: number | undefined
  /** token count at which OpenCode itself compacts (its overflow point) */
  hostOverflowTokens: number | undefined
  /** compactions the plugin started that completed */
  compactions: number
  lastError: string | undefined
}

/** Writer: todo-continuation. */
export interface ContinuationFact {
  state: "watching" | "countdown" | "sending" | "stopped" | "off"
  /** when the countdown ends (clock ms), while state is "countdown" */
  endsAt: number | undefined
  /** why it stopped: "user", "stagnation", "failures", "aborted" */
  reason: string | undefined
  /** continuation prompts sent in this session */
  sent: number
}

/** One background task as other parts of the plugin may show it (bounded strings). */
export interface BackgroundTaskView {
  id: string
  description: string
  status: "queued" | "running" | "completed" | "error" | "cancelled"
  startedAt: number | undefined
  endedAt: number | undefined
  toolCalls: number
  tokens: { input: number; output: number }
}

/** Writer: background-agents. Lives on the PARENT session's entry. */
export interface BackgroundFact {
  /** tasks of this session still queued or running */
  running: number
  /**
   * this session's tasks: every unfinished one first (up to MAX_OPEN_TASK_VIEWS), then the
   * newest finished ones while retained, while the list is shorter than MAX_TASK_VIEWS
   */
  tasks: BackgroundTaskView[]
}

/** Writer: context-pruning. */
export interface PruningFact {
  partsPruned: number
  /** characters left out of the last request, and an estimate in tokens */
  charsSaved: number
  tokensSaved: number
  byStrategy: Record<string, { parts: number; chars: number }>
  /** estimated dollars pruning saved this session (cache reads not made, less the rewrites its moments caused) */
  dollarsSaved: number
  /** moments at which lossy changes were made */
  moments: number
  /** the last such moment: made in the request after answer `afterAnswer` */
  lastMoment: { afterAnswer: string | undefined; cold: boolean; request: number } | undefined
}

/** One prompt-cache bust: a step that wrote again most of what the step before it had cached. */
export interface BustView {
  messageID: string
  at: number
  /** tokens written again beyond what was new */
  rewritten: number
  /** what it cost more than reading them from the cache, at the model's prices */
  dollars: number
  cause: "pruning" | "compaction" | "cache expired" | "model changed" | "unknown"
}

/** One finished step as the bill counted it (kept so a repeated update replaces it, and journaled). */
export interface CountedStep {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  dollars: number
  /** OpenCode's own figure */
  host: number
}

/** Writer: bill. The session's bill as the provider counted it, priced at the model's prices. */
export interface BillFact {
  steps: number
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  /** at the model's catalogue prices (or the documented default: then `estimated`) */
  dollars: number
  estimated: boolean
  /** OpenCode's own figure, summed */
  hostDollars: number
  busts: number
  bustDollars: number
  /** the newest busts, newest last */
  lastBusts: BustView[]
}

export const MAX_BUST_VIEWS = 5

export const MAX_TASK_VIEWS = 10
/** Unfinished tasks a parent's fact names (the compaction summary must know them all). */
export const MAX_OPEN_TASK_VIEWS = 50

export function initialCompactionFact(): CompactionFact {
  return {
    inFlight: false,
    phase: "idle",
    thresholdTokens: undefined,
    hostOverflowTokens: undefined,
    compactions: 0,
    lastError: undefined,
  }
}

export function initialContinuationFact(): ContinuationFact {
  return { state: "off", endsAt: undefined, reason: undefined, sent: 0 }
}

export function initialBackgroundFact(): BackgroundFact {
  return { running: 0, tasks: [] }
}

export function initialPruningFact(): PruningFact {
  return { partsPruned: 0, charsSaved: 0, tokensSaved: 0, byStrategy: {}, dollarsSaved: 0, moments: 0, lastMoment: undefined }
}

/** Writer: memory-watchdog. Process-wide, on the store. */
export interface ProcessFact {
  rss: number | undefined
  heapUsed: number | undefined
  /** RSS growth over the watchdog's window, MB per minute; undefined until known */
  growthMbPerMin: number | undefined
  at: number | undefined
}

export function initialBillFact(): BillFact {
  return {
    steps: 0,
    input: 0,
    output: 0,
    cacheRead: 0,
    cacheWrite: 0,
    dollars: 0,
    estimated: false,
    hostDollars: 0,
    busts: 0,
    bustDollars: 0,
    lastBusts: [],
  }
}

/** Writer: todo-continuation, when it is created. Process-wide, on the store. */
export interface TodoHookFact {
  /** the todo hook runs in this plugin: false when turned off, or not available on this OpenCode */
  running: boolean
}
