/**
 * What one session of the bill bench cost, from what the scripted server's cache counted
 * on each request, and when OpenCode says its steps and turns happened (to show that the
 * plugin's short `prompt_cache_ttl_ms` was passed at the pauses and nowhere else).
 */
import type { RecordedRequest } from "../../testkit/model-server"
import type { E2EEvent } from "../../testkit/opencode"
import { assistantMessages } from "../../testkit/opencode"
import { estimateTokens } from "../../testkit/prompt-cache"

/** A person's pause, on the server's cache clock. */
export const PAUSE_MS = 12 * 60_000
/** What OpenCode sends in place of a tool output its compaction.prune cleared. */
const CLEARED = "[Old tool result content cleared]"

export interface SessionCount {
  session: string
  requests: number
  agentRequests: number
  /** characters of the request bodies, summed and of the last agent request */
  chars: number
  lastChars: number
  /** tokens: the prompt as a whole, how the cache billed it, and the replies */
  prompt: number
  input: number
  read: number
  write: number
  output: number
  /** requests that read less than the previous one left in the cache, and those of them right after a pause */
  busts: number
  bustsAtPause: number
  /** DCP compress calls the model made: their positions among the session's requests */
  compressAt: number[]
  /** requests carrying outputs OpenCode's compaction.prune cleared */
  requestsWithCleared: number
  /** tokens of the tool outputs in the last agent request */
  toolOutputTokens: number
  /** OpenCode's timestamps: the longest step (request to answer), and each turn's gap since the last answer */
  maxStepMs: number
  /** steps longer than the plugin's TTL: the plugin would take the cache for cold there */
  stepsOverTtl: number
  turnGapsMs: number[]
  durationMs: number
}

export function countSession(
  session: string,
  reqs: RecordedRequest[],
  outputs: Map<number, number>,
  events: E2EEvent[],
  ttlMs: number,
): SessionCount {
  const c: SessionCount = {
    session,
    requests: reqs.length,
    agentRequests: reqs.filter((r) => r.kind === "agent").length,
    chars: 0,
    lastChars: 0,
    prompt: 0,
    input: 0,
    read: 0,
    write: 0,
    output: 0,
    busts: 0,
    bustsAtPause: 0,
    compressAt: [],
    requestsWithCleared: 0,
    toolOutputTokens: 0,
    maxStepMs: 0,
    stepsOverTtl: 0,
    turnGapsMs: [],
    durationMs: 0,
  }
  let prevAt: number | undefined
  for (const r of reqs) {
    const json = JSON.stringify(r.body)
    c.chars += json.length
    if (r.kind === "agent") {
      c.lastChars = json.length
      c.toolOutputTokens = r.toolResults.reduce((n, t) => n + estimateTokens(t.content), 0)
    }
    if (json.includes(CLEARED)) c.requestsWithCleared++
    c.output += outputs.get(r.index) ?? 0
    const k = r.cache
    if (!k || k.error) continue
    c.prompt += k.totalTokens
    c.input += k.input
    c.read += k.read
    c.write += k.write
    if (k.lost > 0) {
      c.busts++
      if (prevAt !== undefined && k.at - prevAt >= PAUSE_MS) c.bustsAtPause++
    }
    prevAt = k.at
  }
  const steps = assistantMessages(events).filter((m) => m.time?.completed)
  for (const m of steps) {
    const ms = m.time.completed - m.time.created
    c.maxStepMs = Math.max(c.maxStepMs, ms)
    if (ms > ttlMs) c.stepsOverTtl++
  }
  // Turns are the person's messages: not the ignored or synthetic ones a plugin posts (DCP's notices).
  const posted = new Set<string>()
  const users = new Map<string, number>()
  for (const e of events) {
    const part = e.type === "message.part.updated" ? e.properties?.part : undefined
    if (part?.type === "text" && (part.ignored || part.synthetic)) posted.add(part.messageID)
    const info = e.type === "message.updated" ? e.properties?.info : undefined
    if (info?.role === "user" && typeof info.time?.created === "number") users.set(info.id, info.time.created)
  }
  for (const id of posted) users.delete(id)
  for (const created of [...users.values()].sort((a, b) => a - b)) {
    const before = steps.filter((m) => m.time.completed <= created).map((m) => m.time.completed)
    if (before.length) c.turnGapsMs.push(created - Math.max(...before))
  }
  return c
}
