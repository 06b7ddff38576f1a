/**
 * The generator's state and the step builders shared by the session loop and the
 * payload-carrying steps: ids, counters, stats, and events in OpenCode's shapes.
 */
import { MODEL } from "./fake-client"
import type { PayloadSource } from "./payload-source"
import type { HookName, Step, StreamControl, StreamSpec, StreamStats } from "./session-spec"

const pad = (n: number) => String(n).padStart(10, "0")

export type Gen = ReturnType<typeof generatorState>

export function generatorState(
  spec: StreamSpec,
  control: StreamControl,
  clock: { t: number },
  stats: StreamStats,
  src: PayloadSource,
) {
  const sid = spec.sessionID
  let msgSeq = 0
  let partSeq = 0
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
  /** Context tokens used so far and tool calls made, shared by every step builder. */
  const count = { used: 0, tools: 0 }
  return {
    spec,
    control,
    clock,
    stats,
    src,
    sid,
    count,
    pad,
    rand,
    newMsg,
    newPart,
    event,
    hook,
    done,
    userInfo,
    assistantInfo,
    chatParams,
  }
}

/** A text part streamed the way OpenCode streams it: empty start, deltas, final text. */
export function* textPart(g: Gen, messageID: string): Generator<Step> {
  const { spec, sid, clock, stats, src, newPart, event, hook } = g
  const partID = newPart()
  const text = src.take(spec.textBytes, spec.ownedPayloads)
  yield event("message.part.updated", {
    sessionID: sid,
    part: { id: partID, sessionID: sid, messageID, type: "text", text: "", time: { start: clock.t } },
  })
  const size = Math.ceil(text.length / spec.deltaChunks)
  for (let i = 0; i < text.length; i += size) {
    stats.deltaEvents++
    const delta = text.slice(i, i + size)
    yield event("message.part.delta", { sessionID: sid, messageID, partID, field: "text", delta }, delta.length)
  }
  yield event(
    "message.part.updated",
    {
      sessionID: sid,
      part: { id: partID, sessionID: sid, messageID, type: "text", text, time: { start: clock.t, end: clock.t } },
    },
    text.length,
  )
  yield hook("experimental.text.complete", { sessionID: sid, messageID, partID }, { text })
}
