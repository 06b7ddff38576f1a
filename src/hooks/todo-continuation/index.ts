import { tool } from "@opencode-ai/plugin"
import { writtenByPerson } from "../../cache/prompt-choice"
import type { SessionEntry } from "../../cache/session-entry"
import type { EventOf } from "../../events/types"
import { detach } from "../../runtime/detach"
import { table } from "../../status/format"
import { entriesIn } from "../../status/scope"
import type { HookContext, LongrunHook } from "../types"
import { isGoAhead, unfixableError } from "./input"
import { applyContinuation, continuationRecord } from "./journal"
import { createContinuation } from "./machine"
import { newMark } from "./progress"
import { isOpen, signature } from "./prompt"
import { newTodoState, type TodoState } from "./state"

const NAME = "todo-continuation"
const STOP_COMMAND = "longrun-stop"
const RESUME_COMMAND = "longrun-resume"

/**
 * When a session goes idle with open todos: one countdown notice, then one prompt to
 * continue, with the person's agent, model, variant and tools. Stops on abort, the
 * person writing (only text they typed counts), compaction, running background tasks,
 * on the user's command, and when prompts stop closing todos (stagnation, which sticks
 * until the user resumes). Waits after a message that is not a go-ahead (until the todo
 * list changes) and after an error no prompt can fix (until the person writes).
 * Publishes entry.continuation (its only writer).
 */
export function createTodoContinuationHook(ctx: HookContext): LongrunHook {
  // After a restart the session's stops and holds come back before its first event is handled.
  const journal = ctx.journal.writer("continuation", (entry, saved) => {
    const state = stateOf(entry)
    applyContinuation(state, saved)
    entry.continuation.sent = saved.sent
    machine.publish(entry, state)
  })
  const machine = createContinuation(ctx, (entry, state) =>
    journal.set(entry.id, continuationRecord(state, entry.continuation.sent)),
  )
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
    state.hold = undefined
    state.errorHold = undefined
    machine.publish(entry, state)
    return "Todo continuation is on again for this session."
  }

  /**
   * The person wrote (a text part of a user message that is not synthetic, not a
   * command's output and not ours): they are steering again, so the transient guards
   * reset; unless it is a go-ahead, continuation holds until the todo list changes.
   */
  const onPersonWrote = (entry: SessionEntry, messageID: string, text: string) => {
    const state = stateOf(entry)
    const goAhead = isGoAhead(text)
    if (state.lastInputID !== undefined && messageID <= state.lastInputID) {
      // another part of a message already counted (or an old one re-sent)
      if (messageID === state.lastInputID && !goAhead && state.hold === undefined) state.hold = signature(entry.todos)
      return machine.publish(entry, state)
    }
    state.lastInputID = detach(messageID)
    machine.cancel(entry, state, "the person wrote")
    state.aborted = false
    state.failures = 0
    state.notBefore = 0
    state.errorHold = undefined
    state.hold = goAhead ? undefined : signature(entry.todos)
    // A stagnation stop sticks until the user resumes; a stop after failures is retried.
    if (state.stopped === "failures") state.stopped = undefined
    if (state.stopped !== "stagnation") {
      state.withoutProgress = 0
      state.mark = newMark()
    }
    machine.publish(entry, state)
  }

  const onError = (entry: SessionEntry, ev: EventOf<"session.error">) => {
    const state = stateOf(entry)
    if (ev.errorName === "MessageAbortedError") {
      state.aborted = true
      machine.cancel(entry, state, "aborted")
      return machine.publish(entry, state)
    }
    const why = unfixableError(ev, ctx.host)
    if (!why) {
      // OpenCode reports any failed prompt to an idle session (prompt_async failed, Agent not found):
      // not this countdown's business. A failed turn ends in idle, which starts the next one as usual.
      ctx.logger.log("debug", `todo continuation for ${entry.id}: ${ev.errorName ?? "error"} left the countdown alone`)
      return
    }
    const fresh = state.errorHold === undefined
    state.errorHold = why
    machine.cancel(entry, state, why)
    machine.publish(entry, state)
    if (fresh && entry.todos?.some(isOpen))
      ctx.logger.toast(`Paused: ${why}. Write to the agent to go on.`, "warning", "Todo continuation")
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
        if (!entry || ev.info.role !== "assistant") return
        const state = entry.peekState<TodoState>(NAME)
        if (ev.info.completed === undefined) return machine.cancel(entry, state, "assistant activity")
        // A failed turn ends: error, idle pair, the failed reply, idle pair. The second pair
        // closes that reply; it is not an abort of the idle session.
        if (state && (state.countdown || state.starting)) state.idleEvents = 0
      },
      "message.part.updated": (ev, entry) => {
        const part = ev.part
        if (!entry || part.kind !== "text" || !writtenByPerson(part)) return
        if (entry.messages.get(part.messageID)?.role === "user") onPersonWrote(entry, part.messageID, part.text)
      },
      "todo.updated": (_ev, entry) => {
        const state = entry?.peekState<TodoState>(NAME)
        if (!entry || state?.hold === undefined || signature(entry.todos) === state.hold) return
        state.hold = undefined
        machine.publish(entry, state)
      },
      "message.part.delta": cancelOn("assistant activity"),
      "session.compacted": cancelOn("compaction"),
      "session.error": (ev, entry) => (entry ? onError(entry, ev) : undefined),
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
    status: (scope) => {
      const rows = entriesIn(ctx.store, scope).flatMap((e) => {
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
