/**
 * Payload-carrying steps (tool outputs, file diffs). They are StepLists, not
 * sub-generators: see toolCall. Their big strings come from ./payload-source.ts.
 */
import type { Step } from "./session-spec"
import type { Gen } from "./session-steps"

/** Steps made on demand, one per next(); when done it drops every step maker and what they captured. */
export class StepList implements Iterator<Step, number>, Iterable<Step> {
  private i = 0
  constructor(
    private makers: Array<() => Step>,
    private finish: () => number,
  ) {}

  next(): IteratorResult<Step, number> {
    if (this.i < this.makers.length) return { done: false, value: this.makers[this.i++]!() }
    this.makers = []
    const value = this.finish()
    this.finish = () => value
    return { done: true, value }
  }

  [Symbol.iterator](): StepList {
    return this
  }
}

// Payload-carrying steps come from a StepList, not a sub-generator: JSC keeps a
// generator's locals and temporaries (even after it finished) for as long as the
// generator object lives, while a StepList drops its payloads when it is done. So at
// a message boundary nothing big is held here, only by the plugin, if at all.
export function toolCall(g: Gen, messageID: string): StepList {
  const { spec, sid, clock, stats, src, count, pad, newPart, event, hook } = g
  const tools = ++count.tools
  stats.toolCalls++
  const partID = newPart()
  const callID = `call_${pad(tools)}`
  const input = { command: `make step-${tools}`, description: "Run the build step" }
  const toolPart = (state: Record<string, unknown>) => ({
    id: partID,
    sessionID: sid,
    messageID,
    type: "tool",
    callID,
    tool: "bash",
    state,
  })
  const big = tools % spec.bigToolEvery === 0
  const size = big ? spec.bigToolSizes[(tools / spec.bigToolEvery - 1) % spec.bigToolSizes.length]! : spec.smallToolBytes
  if (big) stats.bigToolOutputs++
  const held: { out?: { title: string; output: string; metadata: Record<string, unknown> }; bytes: number } = { bytes: 0 }
  return new StepList(
    [
      () => event("message.part.updated", { sessionID: sid, part: toolPart({ status: "pending", input: {}, raw: "" }) }),
      () =>
        event("message.part.updated", { sessionID: sid, part: toolPart({ status: "running", input, time: { start: clock.t } }) }),
      () => hook("tool.execute.before", { tool: "bash", sessionID: sid, callID }, { args: input }, callID),
      () => {
        held.out = {
          title: input.command,
          output: src.take(size, spec.ownedPayloads),
          metadata: { exit: 0, description: input.description },
        }
        return hook("tool.execute.after", { tool: "bash", sessionID: sid, callID, args: input }, held.out, callID)
      },
      () => {
        // The part carries the output as the plugins left it.
        const { output, title } = held.out!
        // The bash tool also keeps a preview of the output in its metadata.
        const metadata = { ...held.out!.metadata, output: output.slice(0, 30_000) }
        held.bytes = output.length
        stats.toolOutputBytes += output.length
        return event(
          "message.part.updated",
          {
            sessionID: sid,
            part: toolPart({ status: "completed", input, output, title, metadata, time: { start: clock.t, end: clock.t } }),
          },
          output.length,
        )
      },
    ],
    () => {
      held.out = undefined
      return held.bytes
    },
  )
}

export function turnDiffs(g: Gen, userID: string, turn: number): StepList {
  const { spec, sid, stats, src, event, userInfo } = g
  // OpenCode attaches the turn's file diffs to the user message when the turn ends
  // (an empty list when nothing changed) and sends them again as session.diff.
  if (spec.diffEveryTurns <= 0 || turn % spec.diffEveryTurns !== 0) {
    return new StepList(
      [
        () => event("message.updated", { sessionID: sid, info: userInfo(userID, { summary: { diffs: [] } }) }),
        () => event("session.diff", { sessionID: sid, diff: [] }),
      ],
      () => 0,
    )
  }
  const held: { diffs?: unknown[] } = {}
  const bytes = spec.diffFiles * spec.diffPatchBytes
  // OpenCode 1.18.33 sends { file, patch, additions, deletions, status }; its patch is
  // made with unlimited context, so it carries the whole file (verified on the binary).
  const diffs = () =>
    (held.diffs ??= Array.from({ length: spec.diffFiles }, (_, i) => ({
      file: `build/generated-${i}.js`,
      patch: src.take(spec.diffPatchBytes, spec.ownedPayloads),
      additions: 20_000,
      deletions: 20_000,
      status: "modified",
    })))
  const resend = () => {
    stats.diffEvents++
    stats.diffEventBytes += bytes
    return event(
      "message.updated",
      { sessionID: sid, info: userInfo(userID, { summary: { title: `Turn ${turn}`, diffs: diffs() } }) },
      bytes,
    )
  }
  return new StepList(
    [
      ...Array.from({ length: spec.diffResends }, () => resend),
      () => {
        stats.diffEvents++
        stats.diffEventBytes += bytes
        return event("session.diff", { sessionID: sid, diff: diffs() }, bytes)
      },
    ],
    () => {
      held.diffs = undefined
      return bytes
    },
  )
}
