/**
 * Generates the event stream of one long OpenCode session, in the shapes OpenCode
 * 1.18.33 sends (see /work/shared/OPENCODE-FACTS.md and testkit/events.ts), with
 * the plugin hook calls OpenCode makes between the events.
 *
 * Big strings are cut from one pre-built buffer so generation stays cheap. With
 * `ownedPayloads` every payload is its own copy (Buffer#toString copies), so a plugin
 * that kept one would show up in the measured heap; without it, payloads are
 * substrings of one shared string (for the baseline's history, where only time and
 * read sizes matter).
 */
import { MODEL } from "./fake-client"
import { generatorState, textPart } from "./session-steps"
import { type PayloadSource, payloadSourceFor } from "./payload-source"
import { toolCall, turnDiffs } from "./session-payloads"
import type { Step, StreamControl, StreamSpec, StreamStats } from "./session-spec"

export * from "./session-spec"
export { PayloadSource, payloadSourceFor } from "./payload-source"

/**
 * The session as a lazy sequence of steps. A consumer feeds each `event` to the
 * plugin's event hook and calls the named plugin hook for each `hook` step; a
 * `message` step marks that another message is complete.
 *
 * When a consumer measures the heap at a `message` step, the generator itself holds
 * no payload (see toolCall in session-payloads.ts), so anything still alive then is held by the plugin.
 */
export function* sessionStream(
  spec: StreamSpec,
  control: StreamControl,
  clock: { t: number },
  stats: StreamStats,
  src: PayloadSource = payloadSourceFor(spec),
): Generator<Step> {
  const g = generatorState(spec, control, clock, stats, src)
  const { sid, count, rand, newMsg, newPart, event, hook, done, userInfo, assistantInfo, chatParams } = g
  let turn = 0

  function* compaction(reason: "requested" | "hostForced"): Generator<Step> {
    stats.compactions[reason]++
    control.compactionRequested = false
    const userID = newMsg()
    yield event("message.updated", { sessionID: sid, info: userInfo(userID) })
    yield event("message.part.updated", {
      sessionID: sid,
      part: { id: newPart(), sessionID: sid, messageID: userID, type: "compaction", auto: true },
    })
    stats.userMessages++
    yield done()
    yield hook("experimental.session.compacting", { sessionID: sid }, { context: [] as string[], prompt: undefined })
    yield chatParams("compaction", userID)
    const id = newMsg()
    yield event("message.updated", { sessionID: sid, info: assistantInfo(id, userID, "compaction", { summary: true }) })
    yield* textPart(g, id)
    const tokens = { total: count.used + 800, input: count.used, output: 800, reasoning: 0, cache: { read: 0, write: 0 } }
    clock.t += spec.stepSeconds * 1000
    yield event("message.updated", {
      sessionID: sid,
      info: assistantInfo(id, userID, "compaction", {
        summary: true,
        tokens,
        finish: "stop",
        time: { created: clock.t, completed: clock.t },
      }),
    })
    stats.assistantMessages++
    yield done()
    count.used = 3_000 + Math.floor(rand() * 4_000)
    yield event("session.compacted", { sessionID: sid })
  }

  while (stats.messages < spec.messages) {
    turn++
    const userID = newMsg()
    yield event("message.updated", { sessionID: sid, info: userInfo(userID) })
    const prompt = `Turn ${turn}: continue the build and fix what fails.`
    yield event(
      "message.part.updated",
      { sessionID: sid, part: { id: newPart(), sessionID: sid, messageID: userID, type: "text", text: prompt } },
      prompt.length,
    )
    yield hook(
      "chat.message",
      { sessionID: sid, agent: "build", model: { ...MODEL }, messageID: userID },
      { message: userInfo(userID), parts: [] },
    )
    stats.userMessages++
    yield done()
    yield event("session.status", { sessionID: sid, status: { type: "busy" } })
    if (spec.todos > 0) {
      const todos = Array.from({ length: spec.todos }, (_, i) => ({
        content: `Step ${i + 1} of the build plan for turn ${turn}`,
        status: i < turn % spec.todos ? "completed" : i === turn % spec.todos ? "in_progress" : "pending",
        priority: "medium",
      }))
      yield event("todo.updated", { sessionID: sid, todos })
    }
    for (let step = 1; step <= spec.stepsPerTurn && stats.messages < spec.messages; step++) {
      if (control.compactionRequested) yield* compaction("requested")
      else if (count.used + 250 >= spec.context - spec.output) yield* compaction("hostForced")
      if (stats.messages >= spec.messages) break
      const last = step === spec.stepsPerTurn || stats.messages + 1 >= spec.messages
      const id = newMsg()
      yield chatParams("build", userID)
      yield event("message.updated", { sessionID: sid, info: assistantInfo(id, userID, "build") })
      yield event("message.part.updated", {
        sessionID: sid,
        part: { id: newPart(), sessionID: sid, messageID: id, type: "step-start", snapshot: "4b825dc6" },
      })
      yield* textPart(g, id)
      const outputBytes = last ? 0 : yield* toolCall(g, id)
      // Context grows with what the step added; big outputs are truncated by OpenCode before the model sees them.
      count.used +=
        300 + Math.floor(rand() * 1_500) + Math.floor(spec.textBytes / 4) + Math.min(Math.floor(outputBytes / 4), 12_000)
      clock.t += spec.stepSeconds * 1000
      const tokens = { total: count.used + 250, input: count.used, output: 250, reasoning: 0, cache: { read: 0, write: 0 } }
      yield event("message.part.updated", {
        sessionID: sid,
        part: {
          id: newPart(),
          sessionID: sid,
          messageID: id,
          type: "step-finish",
          reason: last ? "stop" : "tool-calls",
          snapshot: "4b825dc6",
          cost: 0,
          tokens,
        },
      })
      yield event("message.updated", {
        sessionID: sid,
        info: assistantInfo(id, userID, "build", {
          tokens,
          finish: last ? "stop" : "tool-calls",
          time: { created: clock.t, completed: clock.t },
        }),
      })
      stats.assistantMessages++
      yield done()
    }
    yield* turnDiffs(g, userID, turn)
    yield event("session.status", { sessionID: sid, status: { type: "idle" } })
    yield event("session.idle", { sessionID: sid })
  }
}
