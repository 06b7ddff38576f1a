/**
 * Replays one trace through the plugin's public hooks (createLongrun with a fake client
 * and clock: the messages transform, chat.params, and message.updated events carrying
 * the usage each answer had), bills every request with one cache view, and checks the
 * invariants on every request.
 */
import { createLongrun } from "../../src/plugin"
import { fakeClient } from "../../testkit/fake-client"
import { fakeClock } from "../../testkit/fake-clock"
import { type CacheView, createBiller, dollars, VIEW_MODELS } from "./billing"
import { type Mode, replaySteps, T0 } from "./conversation"
import { checkRequest } from "./invariants"
import { sentChars } from "./request-body"
import type { Trace } from "./trace"

export interface ReplayConfig {
  name: string
  /** undefined: no plugin */
  options?: Record<string, unknown>
}

export interface SessionResult {
  session: string
  config: string
  view: CacheView
  mode: Mode["kind"]
  requests: number
  chars: number
  input: number
  cacheRead: number
  cacheWrite: number
  output: number
  dollars: number
  busts: number
  problems: string[]
  threw: number
  transformMs: number
}

export async function replaySession(trace: Trace, mode: Mode, view: CacheView, config: ReplayConfig): Promise<SessionResult> {
  // Each view's requests go to a model of its kind, named as OpenCode's catalogue names them.
  const run = replaySteps(trace, mode, VIEW_MODELS[view])
  const clock = fakeClock(T0)
  const biller = createBiller(view, clock.now)
  const fake = fakeClient()
  const plugin = config.options ? await createLongrun(fake.input, config.options, { clock: clock.clock }) : undefined
  const transform = plugin?.hooks["experimental.chat.messages.transform"]
  const res: SessionResult = {
    session: trace.name,
    config: config.name,
    view,
    mode: mode.kind,
    requests: 0,
    chars: 0,
    input: 0,
    cacheRead: 0,
    cacheWrite: 0,
    output: 0,
    dollars: 0,
    busts: 0,
    problems: [],
    threw: 0,
    transformMs: 0,
  }
  let prevTotal = 0
  const p = biller.prices
  const model = {
    id: run.modelID,
    providerID: run.providerID,
    limit: { context: 1_000_000, output: 32_000 },
    cost: { input: p.input, output: p.output, cache: { read: p.cacheRead, write: p.cacheWrite } },
  }
  for (const step of run.steps) {
    if (clock.now() < step.at) await clock.advance(step.at - clock.now())
    // OpenCode builds each request's messages afresh from storage.
    const messages = structuredClone(step.history)
    const original = messages.slice()
    const before = plugin ? JSON.stringify(original) : ""
    if (transform) {
      const t0 = performance.now()
      try {
        await transform({} as never, { messages } as never)
      } catch {
        res.threw++
      }
      res.transformMs += performance.now() - t0
      if (JSON.stringify(original) !== before) res.problems.push(`request ${res.requests}: the stored messages were changed`)
      if (res.problems.length < 20)
        for (const q of checkRequest(original, messages)) res.problems.push(`request ${res.requests}: ${q}`)
      await plugin!.hooks["chat.params"]!(
        {
          sessionID: run.sessionID,
          agent: "build",
          model: model as never,
          provider: { source: "config", info: { id: run.providerID } as never, options: {} },
          message: {} as never,
        },
        { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} },
      )
    }
    const u = biller.bill(run.system, messages, step.outputTokens)
    const cost = dollars(u, p)
    res.requests++
    res.chars += sentChars(messages)
    res.input += u.input
    res.cacheRead += u.cacheRead
    res.cacheWrite += u.cacheWrite
    res.output += u.output
    res.dollars += cost
    const rewritten = u.total - u.cacheRead - Math.max(0, u.total - prevTotal)
    if (view !== "nocache" && prevTotal > 1024 && rewritten > 1024) res.busts++
    prevTotal = u.total
    // The answer's usage, as OpenCode stores it on the assistant message and announces it.
    const info = step.reply.info as Record<string, any>
    info.tokens = {
      total: u.total + u.output,
      input: u.input,
      output: u.output,
      reasoning: 0,
      cache: { read: u.cacheRead, write: u.cacheWrite },
    }
    info.cost = cost
    if (plugin) {
      await plugin.hooks.event!({ event: { type: "message.updated", properties: { sessionID: run.sessionID, info } } } as never)
      await plugin.internals.router.flush()
    }
  }
  await plugin?.hooks.dispose?.()
  return res
}
