import { promptFields } from "../../cache/prompt-choice"
import type { SessionEntry, TodoItem } from "../../cache/session-entry"
import { rec } from "../../events/json"
import { todoItems } from "../../events/parse"
import type { HookContext } from "../types"
import { advance } from "./progress"
import { continuationPrompt, isOpen } from "./prompt"
import type { TodoState } from "./state"

/** The countdown, the prompt and the guards around them, for one hook instance; `saved` journals each published state. */
export function createContinuation(ctx: HookContext, saved: (entry: SessionEntry, state: TodoState) => void = () => {}) {
  const { options, logger } = ctx
  const skipAgents = new Set(options.todo_skip_agents)

  /** Writes entry.continuation (this hook is its only writer) from the private state. */
  const publish = (entry: SessionEntry, state: TodoState, endsAt?: number) => {
    const fact = entry.continuation
    fact.endsAt = state.countdown ? (endsAt ?? fact.endsAt) : undefined
    fact.reason = state.stopped ?? (state.aborted ? "aborted" : held(entry, state))
    fact.state = state.countdown ? "countdown" : state.sending ? "sending" : fact.reason ? "stopped" : "watching"
    saved(entry, state)
  }

  /** Why a hold keeps it quiet, for display: only while there is something to continue. */
  const held = (entry: SessionEntry, state: TodoState): string | undefined => {
    if (state.errorHold) return `until you write: ${state.errorHold}`.slice(0, 80)
    if (state.hold !== undefined && entry.todos?.some(isOpen)) return "waiting for your go-ahead"
    return undefined
  }

  const cancel = (entry: SessionEntry, state: TodoState | undefined, why: string) => {
    if (!state?.countdown) return
    entry.timers.clear(state.countdown)
    state.countdown = undefined
    publish(entry, state)
    logger.log("debug", `todo continuation for ${entry.id} cancelled: ${why}`)
  }

  /** Why this session must not be continued now, or undefined when it may be. */
  const blocker = (entry: SessionEntry, state: TodoState): string | undefined => {
    if (entry.isReleased) return "session gone"
    if (state.stopped) return `stopped (${state.stopped})`
    if (state.aborted) return "aborted"
    if (state.errorHold) return `held until the person writes (${state.errorHold})`
    if (state.hold !== undefined) return "the person's last message was not a go-ahead"
    if (state.sending) return "a continuation prompt is still being sent"
    if (entry.status !== "idle") return "session busy"
    if (entry.parentID) return "child session (its parent drives it)"
    if (entry.agent && skipAgents.has(entry.agent)) return `agent ${entry.agent} is skipped`
    if (entry.agent && ctx.host.editDeniedAgents.has(entry.agent)) return `editing is denied for agent ${entry.agent}`
    if (ctx.host.editDenied) return "editing is denied"
    if (entry.compaction.inFlight) return "compaction in progress"
    if (entry.background.running > 0) return "background tasks still running"
    return undefined
  }

  const openTodos = async (entry: SessionEntry, state: TodoState): Promise<TodoItem[] | undefined> => {
    if (entry.todos === undefined && !state.todosRead) {
      // One read per session, only when no todo.updated was ever seen (e.g. after a plugin reload).
      state.todosRead = true
      const data = rec(await ctx.client.session.todo({ path: { id: entry.id } }))?.data
      if (Array.isArray(data) && entry.todos === undefined) entry.setTodos(todoItems(data))
    }
    return entry.todos
  }

  const onIdle = async (entry: SessionEntry, state: TodoState, fromIdleEvent: boolean) => {
    if (state.countdown || state.starting) {
      // OpenCode 1.18.33 sends session.status idle then session.idle once per turn. Aborting
      // an idle session (the user stopping it during the countdown) sends the pair again,
      // with nothing else: a second session.idle in one countdown is that abort.
      if (fromIdleEvent && ++state.idleEvents > 1) {
        state.aborted = true
        cancel(entry, state, "aborted during the countdown")
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
    if (!todos || entry.isReleased || state.countdown || blocker(entry, state)) return
    const open = todos.filter(isOpen)
    if (open.length === 0) return
    const now = ctx.now()
    const sinceLast = state.lastSentAt === undefined ? Number.POSITIVE_INFINITY : now - state.lastSentAt
    const wait = Math.max(options.todo_countdown_ms, options.todo_cooldown_ms - sinceLast, state.notBefore - now)
    startCountdown(entry, state, wait, open.length)
  }

  const startCountdown = (entry: SessionEntry, state: TodoState, wait: number, left: number) => {
    entry.timers.clear(state.countdown)
    const endsAt = ctx.now() + wait
    state.countdown = entry.timers.setTimeout(() => {
      state.countdown = undefined
      void send(entry, state).catch((err) => logger.hookError("todo-continuation", "send", err))
    }, wait)
    if (!state.countdown) return
    publish(entry, state, endsAt)
    // One notice for the whole countdown, shown as long as it runs, saying how to stop it.
    logger.toast(
      `Continuing in ${Math.max(1, Math.round(wait / 1000))} s: ${left} todo${left === 1 ? "" : "s"} left. ` +
        "Type anything, or /longrun-stop, to cancel.",
      "info",
      "Todo continuation",
      wait,
    )
  }

  const send = async (entry: SessionEntry, state: TodoState) => {
    const todos = entry.todos ?? []
    if (blocker(entry, state) || !todos.some(isOpen)) return publish(entry, state)
    if (advance(state.mark, todos)) state.withoutProgress = 0
    if (state.withoutProgress >= options.todo_stagnation_limit) {
      state.stopped = "stagnation"
      publish(entry, state)
      logger.log("warn", `todo continuation stopped for ${entry.id}: no todo closed after ${state.withoutProgress} continuations`)
      logger.toast(
        `Stopped continuing: no todo was completed after ${state.withoutProgress} prompts. /longrun-resume turns it back on.`,
        "warning",
        "Todo continuation",
      )
      return
    }
    // The person's agent, model, variant and tool switches: without them OpenCode falls back to defaults.
    const body = { ...promptFields(entry), parts: [{ type: "text", text: continuationPrompt(todos) }] }
    state.lastSentAt = ctx.now()
    state.sending = true
    publish(entry, state)
    let error: unknown
    try {
      error = rec(await ctx.client.session.promptAsync({ path: { id: entry.id }, body: body as never }))?.error
    } catch (err) {
      error = err
    } finally {
      state.sending = false
    }
    if (!error) {
      state.failures = 0
      state.withoutProgress++
      entry.continuation.sent++
      return publish(entry, state)
    }
    state.failures++
    const reason = error instanceof Error ? error.message : JSON.stringify(error).slice(0, 200)
    if (state.failures >= options.todo_max_failures) {
      state.stopped = "failures"
      logger.log("error", `todo continuation stopped for ${entry.id} after ${state.failures} failed prompts: ${reason}`)
      logger.toast(`Could not continue the todo list (${state.failures} failures): ${reason}`, "error", "Todo continuation")
      return publish(entry, state)
    }
    // Backoff: the next idle waits longer after each failure.
    state.notBefore = ctx.now() + Math.max(options.todo_cooldown_ms, 1_000) * 2 ** state.failures
    logger.log("warn", `todo continuation prompt for ${entry.id} failed (${reason}); will retry after a backoff`)
    publish(entry, state)
  }

  return { publish, cancel, onIdle }
}
