import { tool } from "@opencode-ai/plugin"
import type { SessionEntry } from "../../cache/session-entry"
import { detach } from "../../runtime/detach"
import { table } from "../../status/format"
import type { HookContext, LongrunHook } from "../types"
import { createContinuation } from "./machine"
import { newMark } from "./progress"
import { newTodoState, type TodoState } from "./state"

const NAME = "todo-continuation"
const STOP_COMMAND = "longrun-stop"
const RESUME_COMMAND = "longrun-resume"

/**
 * When a session goes idle with open todos: one countdown notice, then one prompt to
 * continue. Stops on abort, user input, compaction, running background tasks, on the
 * user's command, and when prompts stop closing todos (stagnation, which sticks until
 * the user resumes). Publishes entry.continuation (its only writer).
 */
export function createTodoContinuationHook(ctx: HookContext): LongrunHook {
  const machine = createContinuation(ctx)
  ctx.store.todoHook.running = true

  const stateOf = (entry: SessionEntry) =>
    entry.state<TodoState>(
      NAME,
      () => {
        const state = newTodoState()
        machine.publish(entry, state)
        return state
      },
      { estimate: () => 200 },
    )

  const stop = (entry: SessionEntry, by: "user" | "agent"): string => {
    const state = stateOf(entry)
    machine.cancel(entry, state, `stopped by the ${by}`)
    // A user's stop outranks the agent's: the agent cannot downgrade it.
    if (state.stopped !== "user") state.stopped = by
    machine.publish(entry, state)
    return `Todo continuation is off for this session. /${RESUME_COMMAND} turns it back on.`
  }

  /** The agent may lift only its own stop; a stop by the user or for stagnation is the user's to lift. */
  const resumeByAgent = (entry: SessionEntry): string => {
    const state = stateOf(entry)
    if (state.stopped && state.stopped !== "agent")
      return `Todo continuation stays off: it was stopped (${state.stopped}); only the user can resume it, with /${RESUME_COMMAND}.`
    return resume(entry)
  }

  const resume = (entry: SessionEntry): string => {
    const state = stateOf(entry)
    state.stopped = undefined
    state.aborted = false
    state.withoutProgress = 0
    state.mark = newMark()
    state.failures = 0
    state.notBefore = 0
    machine.publish(entry, state)
    return "Todo continuation is on again for this session."
  }

  /** A new user message: the user is steering again, so the transient guards reset. */
  const onUserMessage = (entry: SessionEntry, id: string, created: number | undefined) => {
    const state = stateOf(entry)
    // OpenCode 1.18.33 sends message.updated for the turn's user message again after the
    // session goes idle (with its diff summary). Only an id newer than any seen is new input;
    // message ids sort in creation order.
    if (state.lastUserMessageID !== undefined && id <= state.lastUserMessageID) return
    state.lastUserMessageID = detach(id)
    machine.cancel(entry, state, "user message")
    // Our own prompt's user message arrives just after we send it; it is not user input.
    const sent = state.lastSentAt
    if (sent !== undefined && created !== undefined && created >= sent - 50 && created - sent < 5_000) return
    state.aborted = false
    state.failures = 0
    state.notBefore = 0
    // A stagnation stop sticks until the user resumes; a stop after failures is retried.
    if (state.stopped === "failures") state.stopped = undefined
    if (state.stopped !== "stagnation") {
      state.withoutProgress = 0
      state.mark = newMark()
    }
    machine.publish(entry, state)
  }

  const cancelOn = (why: string) => (_ev: unknown, entry: SessionEntry | undefined) => {
    if (entry) machine.cancel(entry, entry.peekState<TodoState>(NAME), why)
  }

  return {
    name: NAME,
    events: {
      "session.idle": (_ev, entry) => (entry ? machine.onIdle(entry, stateOf(entry), true) : undefined),
      "session.status": (ev, entry) => {
        if (!entry) return
        if (ev.status === "idle") return machine.onIdle(entry, stateOf(entry), false)
        machine.cancel(entry, entry.peekState<TodoState>(NAME), `session ${ev.status}`)
      },
      "message.updated": (ev, entry) => {
        if (!entry) return
        if (ev.info.role === "user") return onUserMessage(entry, ev.info.id, ev.info.created)
        if (ev.info.role === "assistant" && ev.info.completed === undefined)
          machine.cancel(entry, entry.peekState<TodoState>(NAME), "assistant activity")
      },
      "message.part.delta": cancelOn("assistant activity"),
      "session.compacted": cancelOn("compaction"),
      "session.error": (ev, entry) => {
        if (!entry) return
        const state = stateOf(entry)
        if (ev.errorName === "MessageAbortedError") state.aborted = true
        machine.cancel(entry, state, `error ${ev.errorName}`)
        machine.publish(entry, state)
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
          return args.resume ? resumeByAgent(entry) : stop(entry, "agent")
        },
      }),
    },
    commands: {
      [STOP_COMMAND]: {
        description: "opencode-longrun: stop continuing this session's todo list (cancels a countdown)",
        run: (sessionID) => stop(ctx.store.touch(sessionID), "user"),
      },
      [RESUME_COMMAND]: {
        description: "opencode-longrun: continue this session's todo list again when it goes idle",
        run: (sessionID) => resume(ctx.store.touch(sessionID)),
      },
    },
    status: () => {
      const rows = ctx.store.entries().flatMap((e) => {
        const s = e.peekState<TodoState>(NAME)
        if (!s) return []
        const f = e.continuation
        const state = f.state === "stopped" ? `stopped (${f.reason})` : f.state
        return [[e.id, state, String(f.sent), String(s.withoutProgress), String(s.failures)]]
      })
      return {
        title: "todo continuation",
        data: rows.map(([id, state, sent, withoutProgress, failures]) => ({ id, state, sent, withoutProgress, failures })),
        text: rows.length
          ? table(["session", "state", "prompts sent", "without progress", "failures"], rows)
          : "no session watched yet",
      }
    },
  }
}
