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

export interface StreamSpec {
  sessionID: string
  /** stop after this many messages (user + assistant, compaction messages included) */
  messages: number
  /** assistant messages (LLM steps) per user message; all but the last of a turn call a tool */
  stepsPerTurn: number
  /** tool output size of ordinary tool calls */
  smallToolBytes: number
  /** every N-th tool call returns a big output */
  bigToolEvery: number
  /** sizes of the big outputs, cycled */
  bigToolSizes: number[]
  /** every N-th user message gets summary.diffs at the end of its turn */
  diffEveryTurns: number
  diffFiles: number
  /** size of each file's patch (OpenCode diffs with unlimited context, so a patch holds the whole file) */
  diffPatchBytes: number
  /** how many times that message.updated (with the same diffs) is sent */
  diffResends: number
  /** assistant text size per step, streamed as deltas */
  textBytes: number
  deltaChunks: number
  todos: number
  context: number
  output: number
  /** synthetic seconds per LLM step (the plugin's clock follows the session's) */
  stepSeconds: number
  ownedPayloads: boolean
}

export type HookName =
  | "chat.message"
  | "chat.params"
  | "tool.execute.before"
  | "tool.execute.after"
  | "experimental.session.compacting"
  | "experimental.text.complete"

export type Step =
  | { kind: "event"; event: { id?: string; type: string; properties: Record<string, unknown> }; bytes: number }
  | { kind: "hook"; name: HookName; input: any; output: any; callID?: string }
  | { kind: "message"; count: number }

export interface StreamStats {
  events: number
  eventsByType: Record<string, number>
  hookCalls: Record<string, number>
  messages: number
  userMessages: number
  assistantMessages: number
  toolCalls: number
  bigToolOutputs: number
  toolOutputBytes: number
  diffEvents: number
  /** patch bytes summed over every diff-carrying event (resends counted) */
  diffEventBytes: number
  deltaEvents: number
  compactions: { requested: number; hostForced: number }
  /** bytes of payload strings referenced by events (tool outputs, texts, deltas, diff bodies) */
  payloadBytes: number
}

/** Controls shared with the fake client: the plugin asking for compaction steers the stream. */
export interface StreamControl {
  compactionRequested: boolean
}

export const DEFAULT_SPEC: Omit<StreamSpec, "messages" | "sessionID"> = {
  stepsPerTurn: 9,
  smallToolBytes: 4 * 1024,
  bigToolEvery: 10,
  bigToolSizes: [100, 200, 300, 400, 500, 600, 700, 800, 900, 1000].map((k) => k * 1024),
  diffEveryTurns: 10,
  diffFiles: 2,
  diffPatchBytes: 1800 * 1024,
  diffResends: 2,
  textBytes: 1024,
  deltaChunks: 8,
  todos: 8,
  context: 200_000,
  output: 32_000,
  stepSeconds: 3,
  ownedPayloads: true,
}

/** Steps made on demand, one per next(); when done it drops every step maker and what they captured. */
class StepList implements Iterator<Step, number>, Iterable<Step> {
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

/** One buffer of log-like ASCII text that payloads are cut from. */
export class PayloadSource {
  private readonly buf: Buffer
  private readonly shared: string
  private cursor = 0

  constructor(maxBytes: number) {
    const size = maxBytes + 65_536
    this.buf = Buffer.allocUnsafe(size)
    let off = 0
    for (let line = 0; off < size; line++) {
      const text = `${String(line).padStart(7, "0")} build: compiled module ${line % 977} in ${(line * 37) % 1000} ms, ok\n`
      off += this.buf.write(text, off, "latin1")
    }
    this.shared = this.buf.toString("latin1")
  }

  take(bytes: number, owned: boolean): string {
    const span = this.buf.length - bytes
    this.cursor = (this.cursor + 7919) % Math.max(1, span)
    const start = this.cursor
    return owned ? this.buf.toString("latin1", start, start + bytes) : this.shared.slice(start, start + bytes)
  }
}

const pad = (n: number) => String(n).padStart(10, "0")

export function describeSpec(spec: StreamSpec): string {
  const kb = (b: number) => `${Math.round(b / 1024)} KB`
  const sizes = spec.bigToolSizes
  return (
    `one session; turns of 1 user message + ${spec.stepsPerTurn} assistant messages (LLM steps); every step but a turn's last calls one tool; ` +
    `tool outputs ${kb(spec.smallToolBytes)}, except every ${spec.bigToolEvery}th tool call, whose output cycles ` +
    `${kb(sizes[0]!)}..${kb(sizes[sizes.length - 1]!)} (${sizes.length} sizes); every ${spec.diffEveryTurns}th user message gets ` +
    `summary.diffs with ${spec.diffFiles} files, each a ${kb(spec.diffPatchBytes)} patch (the shape OpenCode 1.18.33 sends: { file, patch, additions, deletions, status }), sent ${spec.diffResends}× ` +
    `(${kb(spec.diffFiles * spec.diffPatchBytes)} per event) and once more as session.diff (other turns: empty diffs); assistant text ${kb(spec.textBytes)} per step streamed as ` +
    `${spec.deltaChunks} message.part.delta events plus start and final part updates; todo.updated with ${spec.todos} todos per turn; ` +
    `context ${spec.context.toLocaleString("en-US")} tokens, compaction whenever the plugin asks (session.summarize) or the ` +
    `context reaches OpenCode's own overflow point; ${spec.ownedPayloads ? "every payload string is its own allocation" : "payloads are substrings of one shared string"}`
  )
}

export function newStats(): StreamStats {
  return {
    events: 0,
    eventsByType: {},
    hookCalls: {},
    messages: 0,
    userMessages: 0,
    assistantMessages: 0,
    toolCalls: 0,
    bigToolOutputs: 0,
    toolOutputBytes: 0,
    diffEvents: 0,
    diffEventBytes: 0,
    deltaEvents: 0,
    compactions: { requested: 0, hostForced: 0 },
    payloadBytes: 0,
  }
}

/**
 * The session as a lazy sequence of steps. A consumer feeds each `event` to the
 * plugin's event hook and calls the named plugin hook for each `hook` step; a
 * `message` step marks that another message is complete.
 */
export function payloadSourceFor(spec: Omit<StreamSpec, "messages" | "sessionID">): PayloadSource {
  return new PayloadSource(Math.max(spec.diffPatchBytes, ...spec.bigToolSizes, spec.smallToolBytes, spec.textBytes))
}

/**
 * When a consumer measures the heap at a `message` step, the generator itself holds
 * no payload (see toolCall below), so anything still alive then is held by the plugin.
 */
export function* sessionStream(
  spec: StreamSpec,
  control: StreamControl,
  clock: { t: number },
  stats: StreamStats,
  src: PayloadSource = payloadSourceFor(spec),
): Generator<Step> {
  const sid = spec.sessionID
  let msgSeq = 0
  let partSeq = 0
  let used = 0
  let turn = 0
  let tools = 0
  // A fixed-seed PRNG jitters token growth so compactions do not lock into one phase of the turn pattern.
  let seed = 0x2545f491
  const rand = () => {
    seed ^= seed << 13
    seed ^= seed >>> 17
    seed ^= seed << 5
    return (seed >>> 0) / 4294967296
  }
  const newMsg = () => `msg_${pad(++msgSeq)}`
  const newPart = () => `prt_${pad(++partSeq)}`

  const event = (type: string, properties: Record<string, unknown>, bytes = 0): Step => {
    stats.events++
    stats.eventsByType[type] = (stats.eventsByType[type] ?? 0) + 1
    stats.payloadBytes += bytes
    // OpenCode stamps part updates with the time they happened.
    if (type === "message.part.updated") properties.time = clock.t
    return { kind: "event", event: { id: `evt_${pad(stats.events)}`, type, properties }, bytes }
  }
  const hook = (name: HookName, input: any, output: any, callID?: string): Step => {
    stats.hookCalls[name] = (stats.hookCalls[name] ?? 0) + 1
    return { kind: "hook", name, input, output, callID }
  }
  const done = (): Step => {
    stats.messages++
    return { kind: "message", count: stats.messages }
  }
  const userInfo = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    sessionID: sid,
    role: "user",
    time: { created: clock.t },
    agent: "build",
    model: { ...MODEL },
    ...extra,
  })
  const assistantInfo = (id: string, parentID: string, agent: string, extra: Record<string, unknown> = {}) => ({
    id,
    sessionID: sid,
    role: "assistant",
    parentID,
    mode: agent,
    agent,
    path: { cwd: "/tmp/project", root: "/tmp/project" },
    cost: 0,
    tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
    providerID: MODEL.providerID,
    modelID: MODEL.modelID,
    time: { created: clock.t },
    ...extra,
  })
  const chatParams = (agent: string, userID: string) =>
    hook(
      "chat.params",
      {
        sessionID: sid,
        agent,
        model: { id: MODEL.modelID, providerID: MODEL.providerID, limit: { context: spec.context, output: spec.output } },
        provider: { source: "config", info: { id: MODEL.providerID }, options: {} },
        message: userInfo(userID),
      },
      { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} },
    )

  /** A text part streamed the way OpenCode streams it: empty start, deltas, final text. */
  function* textPart(messageID: string): Generator<Step> {
    const partID = newPart()
    const text = src.take(spec.textBytes, spec.ownedPayloads)
    yield event("message.part.updated", { sessionID: sid, part: { id: partID, sessionID: sid, messageID, type: "text", text: "", time: { start: clock.t } } })
    const size = Math.ceil(text.length / spec.deltaChunks)
    for (let i = 0; i < text.length; i += size) {
      stats.deltaEvents++
      const delta = text.slice(i, i + size)
      yield event("message.part.delta", { sessionID: sid, messageID, partID, field: "text", delta }, delta.length)
    }
    yield event(
      "message.part.updated",
      { sessionID: sid, part: { id: partID, sessionID: sid, messageID, type: "text", text, time: { start: clock.t, end: clock.t } } },
      text.length,
    )
    yield hook("experimental.text.complete", { sessionID: sid, messageID, partID }, { text })
  }

  function* compaction(reason: "requested" | "hostForced"): Generator<Step> {
    stats.compactions[reason]++
    control.compactionRequested = false
    const userID = newMsg()
    yield event("message.updated", { sessionID: sid, info: userInfo(userID) })
    yield event("message.part.updated", { sessionID: sid, part: { id: newPart(), sessionID: sid, messageID: userID, type: "compaction", auto: true } })
    stats.userMessages++
    yield done()
    yield hook("experimental.session.compacting", { sessionID: sid }, { context: [] as string[], prompt: undefined })
    yield chatParams("compaction", userID)
    const id = newMsg()
    yield event("message.updated", { sessionID: sid, info: assistantInfo(id, userID, "compaction", { summary: true }) })
    yield* textPart(id)
    const tokens = { total: used + 800, input: used, output: 800, reasoning: 0, cache: { read: 0, write: 0 } }
    clock.t += spec.stepSeconds * 1000
    yield event("message.updated", {
      sessionID: sid,
      info: assistantInfo(id, userID, "compaction", { summary: true, tokens, finish: "stop", time: { created: clock.t, completed: clock.t } }),
    })
    stats.assistantMessages++
    yield done()
    used = 3_000 + Math.floor(rand() * 4_000)
    yield event("session.compacted", { sessionID: sid })
  }


  // Payload-carrying steps come from a StepList, not a sub-generator: JSC keeps a
  // generator's locals and temporaries (even after it finished) for as long as the
  // generator object lives, while a StepList drops its payloads when it is done. So at
  // a message boundary nothing big is held here, only by the plugin, if at all.
  function toolCall(messageID: string): StepList {
    tools++
    stats.toolCalls++
    const partID = newPart()
    const callID = `call_${pad(tools)}`
    const input = { command: `make step-${tools}`, description: "Run the build step" }
    const toolPart = (state: Record<string, unknown>) => ({ id: partID, sessionID: sid, messageID, type: "tool", callID, tool: "bash", state })
    const big = tools % spec.bigToolEvery === 0
    const size = big ? spec.bigToolSizes[(tools / spec.bigToolEvery - 1) % spec.bigToolSizes.length]! : spec.smallToolBytes
    if (big) stats.bigToolOutputs++
    const held: { out?: { title: string; output: string; metadata: Record<string, unknown> }; bytes: number } = { bytes: 0 }
    return new StepList(
      [
        () => event("message.part.updated", { sessionID: sid, part: toolPart({ status: "pending", input: {}, raw: "" }) }),
        () => event("message.part.updated", { sessionID: sid, part: toolPart({ status: "running", input, time: { start: clock.t } }) }),
        () => hook("tool.execute.before", { tool: "bash", sessionID: sid, callID }, { args: input }, callID),
        () => {
          held.out = { title: input.command, output: src.take(size, spec.ownedPayloads), metadata: { exit: 0, description: input.description } }
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
            { sessionID: sid, part: toolPart({ status: "completed", input, output, title, metadata, time: { start: clock.t, end: clock.t } }) },
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

  function turnDiffs(userID: string, turn: number): StepList {
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
      return event("message.updated", { sessionID: sid, info: userInfo(userID, { summary: { title: `Turn ${turn}`, diffs: diffs() } }) }, bytes)
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

  while (stats.messages < spec.messages) {
    turn++
    const userID = newMsg()
    yield event("message.updated", { sessionID: sid, info: userInfo(userID) })
    const prompt = `Turn ${turn}: continue the build and fix what fails.`
    yield event("message.part.updated", { sessionID: sid, part: { id: newPart(), sessionID: sid, messageID: userID, type: "text", text: prompt } }, prompt.length)
    yield hook("chat.message", { sessionID: sid, agent: "build", model: { ...MODEL }, messageID: userID }, { message: userInfo(userID), parts: [] })
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
      else if (used + 250 >= spec.context - spec.output) yield* compaction("hostForced")
      if (stats.messages >= spec.messages) break
      const last = step === spec.stepsPerTurn || stats.messages + 1 >= spec.messages
      const id = newMsg()
      yield chatParams("build", userID)
      yield event("message.updated", { sessionID: sid, info: assistantInfo(id, userID, "build") })
      yield event("message.part.updated", { sessionID: sid, part: { id: newPart(), sessionID: sid, messageID: id, type: "step-start", snapshot: "4b825dc6" } })
      yield* textPart(id)
      const outputBytes = last ? 0 : yield* toolCall(id)
      // Context grows with what the step added; big outputs are truncated by OpenCode before the model sees them.
      used += 300 + Math.floor(rand() * 1_500) + Math.floor(spec.textBytes / 4) + Math.min(Math.floor(outputBytes / 4), 12_000)
      clock.t += spec.stepSeconds * 1000
      const tokens = { total: used + 250, input: used, output: 250, reasoning: 0, cache: { read: 0, write: 0 } }
      yield event("message.part.updated", {
        sessionID: sid,
        part: { id: newPart(), sessionID: sid, messageID: id, type: "step-finish", reason: last ? "stop" : "tool-calls", snapshot: "4b825dc6", cost: 0, tokens },
      })
      yield event("message.updated", {
        sessionID: sid,
        info: assistantInfo(id, userID, "build", { tokens, finish: last ? "stop" : "tool-calls", time: { created: clock.t, completed: clock.t } }),
      })
      stats.assistantMessages++
      yield done()
    }
    yield* turnDiffs(userID, turn)
    yield event("session.status", { sessionID: sid, status: { type: "idle" } })
    yield event("session.idle", { sessionID: sid })
  }
}
