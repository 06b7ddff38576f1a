import { tool } from "@opencode-ai/plugin"
import type { SessionEntry, TodoItem } from "../../cache/session-entry"
import { rec, str } from "../../events/parse"
import { table } from "../../status/report"
import type { HookContext, LongrunHook } from "../types"
import { continuationPrompt, isOpen, signature } from "./prompt"

const NAME = "todo-continuation"

/**
 * Other hooks' state this hook reads, by slot name. background-agents keeps
 * `{ running }` (tasks of this session still running or queued) on the parent's
 * entry; preemptive-compaction keeps `{ phase }`.
 */
interface BackgroundView {
  running: number
}
interface CompactionView {
  phase: string
}

interface TodoState {
  countdown: ReturnType<typeof setTimeout> | undefined
  ticker: ReturnType<typeof setInterval> | undefined
  /** when the last continuation prompt was sent */
  lastSentAt: number | undefined
  /** continuations sent while the open todos stayed the same */
  unchanged: number
  lastSignature: string | undefined
  failures: number
  notBefore: number
  stopped: "user" | "stagnation" | "failures" | undefined
  aborted: boolean
  todosRead: boolean
  sent: number
  /** session.idle events seen since the countdown started */
  idleEvents: number
  /** newest user message id seen: OpenCode re-sends a turn's user message after idle */
  lastUserMessageID: string | undefined
  /** an idle is being handled (the todo read may await): a second one must not start another countdown */
  starting: boolean
}

export function createTodoContinuationHook(ctx: HookContext): LongrunHook {
  const { options, logger } = ctx
  const skipAgents = new Set(options.todo_skip_agents)

  const stateOf = (entry: SessionEntry) =>
    entry.state<TodoState>(
      NAME,
      () => ({
        countdown: undefined,
        ticker: undefined,
        lastSentAt: undefined,
        unchanged: 0,
        lastSignature: undefined,
        failures: 0,
        notBefore: 0,
        stopped: undefined,
        aborted: false,
        todosRead: false,
        sent: 0,
        idleEvents: 0,
        starting: false,
        lastUserMessageID: undefined,
      }),
      { estimate: (s) => 160 + (s.lastSignature?.length ?? 0) * 2 },
    )

  const cancel = (entry: SessionEntry, why: string) => {
    const state = entry.peekState<TodoState>(NAME)
    if (!state?.countdown) return
    entry.timers.clear(state.countdown)
    entry.timers.clear(state.ticker)
    state.countdown = undefined
    state.ticker = undefined
    logger.log("debug", `todo continuation for ${entry.id} cancelled: ${why}`)
  }

  /** Why this session must not be continued now, or undefined when it may be. */
  const blocker = (entry: SessionEntry, state: TodoState): string | undefined => {
    if (entry.isReleased) return "session gone"
    if (state.stopped) return `stopped (${state.stopped})`
    if (state.aborted) return "aborted"
    if (entry.status !== "idle") return "session busy"
    if (entry.parentID) return "child session (its parent drives it)"
    if (entry.agent && skipAgents.has(entry.agent)) return `agent ${entry.agent} is skipped`
    if (entry.agent && ctx.host.editDeniedAgents.has(entry.agent)) return `editing is denied for agent ${entry.agent}`
    if (ctx.host.editDenied) return "editing is denied"
    const phase = entry.peekState<CompactionView>("preemptive-compaction")?.phase
    if (phase === "in-flight" || phase === "host-compacting") return "compaction in progress"
    if ((entry.peekState<BackgroundView>("background-agents")?.running ?? 0) > 0) return "background tasks still running"
    return undefined
  }

  const openTodos = async (entry: SessionEntry, state: TodoState): Promise<TodoItem[] | undefined> => {
    if (entry.todos === undefined && !state.todosRead) {
      // One read per session, only when no todo.updated was ever seen (e.g. after a plugin reload).
      state.todosRead = true
      const res = rec(await ctx.client.session.todo({ path: { id: entry.id } }))
      const data = res?.data
      if (Array.isArray(data) && entry.todos === undefined) {
        entry.setTodos(
          data.flatMap((t) => {
            const r = rec(t)
            const content = str(r?.content)
            const status = str(r?.status)
            return content && status ? [{ content, status, priority: str(r?.priority) }] : []
          }),
        )
      }
    }
    return entry.todos
  }

  const onIdle = async (entry: SessionEntry, fromIdleEvent: boolean) => {
    const state = stateOf(entry)
    if (state.countdown || state.starting) {
      // OpenCode 1.18.33 sends session.status idle then session.idle once per turn. Aborting
      // an idle session (the user stopping it during the countdown) sends the pair again,
      // with nothing else: a second session.idle in one countdown is that abort.
      if (fromIdleEvent && ++state.idleEvents > 1) {
        cancel(entry, "aborted during the countdown")
        state.aborted = true
      }
      return
    }
    state.idleEvents = fromIdleEvent ? 1 : 0
    if (blocker(entry, state)) return
    // Claimed before the first await: session.status idle and session.idle arrive together.
    state.starting = true
    let todos: TodoItem[] | undefined
    try {
      todos = await openTodos(entry, state)
    } finally {
      state.starting = false
    }
    if (!todos || entry.isReleased || state.countdown) return
    const open = todos.filter(isOpen)
    if (open.length === 0) {
      state.unchanged = 0
      state.lastSignature = undefined
      return
    }
    const now = ctx.now()
    const sinceLast = state.lastSentAt === undefined ? Infinity : now - state.lastSentAt
    const wait = Math.max(
      options.todo_countdown_ms,
      options.todo_cooldown_ms - sinceLast,
      state.notBefore - now,
    )
    startCountdown(entry, state, wait, open.length)
  }

  const startCountdown = (entry: SessionEntry, state: TodoState, wait: number, left: number) => {
    entry.timers.clear(state.ticker)
    entry.timers.clear(state.countdown)
    const endsAt = ctx.now() + wait
    const show = () => {
      const secs = Math.max(1, Math.ceil((endsAt - ctx.now()) / 1000))
      logger.toast(`Resuming in ${secs}s, ${left} todo${left === 1 ? "" : "s"} left`, "info", "Todo continuation", 1_200)
    }
    show()
    state.ticker = entry.timers.setInterval(show, 1_000)
    state.countdown = entry.timers.setTimeout(() => {
      entry.timers.clear(state.ticker)
      state.ticker = undefined
      state.countdown = undefined
      void send(entry, state).catch((err) => logger.hookError(NAME, "send", err))
    }, wait)
  }

  const send = async (entry: SessionEntry, state: TodoState) => {
    const why = blocker(entry, state)
    const todos = entry.todos ?? []
    if (why || !todos.some(isOpen)) return
    const sig = signature(todos)
    state.unchanged = sig === state.lastSignature ? state.unchanged + 1 : 0
    state.lastSignature = sig
    if (state.unchanged >= options.todo_stagnation_limit) {
      state.stopped = "stagnation"
      logger.log("warn", `todo continuation stopped for ${entry.id}: the open todos did not change after ${state.unchanged} continuations`)
      logger.toast(
        `Stopped continuing: the same ${todos.filter(isOpen).length} todos stayed open after ${state.unchanged} prompts. Send a message to take over.`,
        "warning",
        "Todo continuation",
      )
      return
    }
    const body: Record<string, unknown> = { parts: [{ type: "text", text: continuationPrompt(todos) }] }
    if (entry.agent) body.agent = entry.agent
    if (entry.providerID && entry.modelID) body.model = { providerID: entry.providerID, modelID: entry.modelID }
    state.lastSentAt = ctx.now()
    let error: unknown
    try {
      const res = rec(await ctx.client.session.promptAsync({ path: { id: entry.id }, body: body as never }))
      error = res?.error
    } catch (err) {
      error = err
    }
    if (!error) {
      state.failures = 0
      state.sent++
      return
    }
    state.failures++
    const reason = error instanceof Error ? error.message : JSON.stringify(error).slice(0, 200)
    if (state.failures >= options.todo_max_failures) {
      state.stopped = "failures"
      logger.log("error", `todo continuation stopped for ${entry.id} after ${state.failures} failed prompts: ${reason}`)
      logger.toast(`Could not continue the todo list (${state.failures} failures): ${reason}`, "error", "Todo continuation")
      return
    }
    // Backoff: the next idle waits longer after each failure.
    state.notBefore = ctx.now() + Math.max(options.todo_cooldown_ms, 1_000) * 2 ** state.failures
    logger.log("warn", `todo continuation prompt for ${entry.id} failed (${reason}); will retry after a backoff`)
  }

  /** A new user message: the user is steering again, so guards reset. */
  const onUserMessage = (entry: SessionEntry, id: string, created: number | undefined) => {
    const state = stateOf(entry)
    // OpenCode 1.18.33 sends message.updated for the turn's user message again after the
    // session goes idle (with its diff summary). Only an id newer than any seen is new input;
    // message ids sort in creation order.
    if (state.lastUserMessageID !== undefined && id <= state.lastUserMessageID) return
    state.lastUserMessageID = id
    cancel(entry, "user message")
    // Our own prompt's user message arrives just after we send it; it is not user input.
    const ours = state.lastSentAt !== undefined && created !== undefined && created >= state.lastSentAt - 50 && created - state.lastSentAt < 5_000
    if (ours) return
    state.aborted = false
    state.unchanged = 0
    state.failures = 0
    state.notBefore = 0
    if (state.stopped === "stagnation" || state.stopped === "failures") state.stopped = undefined
  }

  return {
    name: NAME,
    events: {
      "session.idle": (_ev, entry) => (entry ? onIdle(entry, true) : undefined),
      "session.status": (ev, entry) => {
        if (!entry) return
        const type = str(rec(ev.props.status)?.type)
        if (type === "idle") return onIdle(entry, false)
        cancel(entry, `session ${type}`)
      },
      "message.updated": (ev, entry) => {
        const info = rec(ev.props.info)
        if (!entry || !info) return
        const id = str(info.id)
        if (info.role === "user" && id) return onUserMessage(entry, id, typeof rec(info.time)?.created === "number" ? (rec(info.time)!.created as number) : undefined)
        if (info.role === "assistant" && !rec(info.time)?.completed) cancel(entry, "assistant activity")
      },
      "message.part.delta": (_ev, entry) => entry && cancel(entry, "assistant activity"),
      "session.compacted": (_ev, entry) => entry && cancel(entry, "compaction"),
      "session.error": (ev, entry) => {
        if (!entry) return
        const name = str(rec(ev.props.error)?.name)
        cancel(entry, `error ${name}`)
        if (name === "MessageAbortedError") stateOf(entry).aborted = true
      },
    },
    tools: {
      longrun_stop_continuation: tool({
        description:
          "Stop opencode-longrun from prompting this session to continue its todo list when it goes idle " +
          "(resume: true turns it back on).",
        args: { resume: tool.schema.boolean().optional().describe("true to turn continuation back on") },
        async execute(args, context) {
          const entry = ctx.store.touch(context.sessionID)
          const state = stateOf(entry)
          if (args.resume) {
            state.stopped = undefined
            state.aborted = false
            state.unchanged = 0
            state.failures = 0
            return "Todo continuation is on again for this session."
          }
          cancel(entry, "stopped by tool")
          state.stopped = "user"
          return "Todo continuation is off for this session. Call longrun_stop_continuation with resume: true to turn it back on."
        },
      }),
    },
    status: () => {
      const rows = ctx.store.entries().flatMap((e) => {
        const s = e.peekState<TodoState>(NAME)
        if (!s) return []
        const state = s.countdown ? "counting down" : s.stopped ? `stopped (${s.stopped})` : s.aborted ? "aborted" : "watching"
        return [[e.id, state, String(s.sent), String(s.unchanged), String(s.failures)]]
      })
      return {
        title: "todo continuation",
        data: rows.map(([id, state, sent, unchanged, failures]) => ({ id, state, sent, unchanged, failures })),
        text: rows.length ? table(["session", "state", "prompts sent", "unchanged", "failures"], rows) : "no session watched yet",
      }
    },
  }
}
