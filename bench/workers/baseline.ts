/**
 * Part 2: ours against the naive baseline, in the same process on the same stream.
 * One generated session is fed to our plugin and mirrored into a server-side history.
 * At each sample length the next tool calls are timed for both: ours (the tool's part
 * events plus tool.execute.before/after), and the baseline's tool.execute.after, whose
 * three session.messages() reads are served from that history as JSON (serialized, as
 * OpenCode's server does, then parsed, as the client does). A second, separate pass
 * of one baseline call forces a GC while a parsed history is held, for its peak heap.
 */
import type { Hooks } from "@opencode-ai/plugin"
import { createLongrun } from "../../src/plugin"
import { systemClock } from "../../src/runtime/clock"
import { createBaselineHooks } from "../lib/baseline"
import { benchClient, providersResponse } from "../lib/fake-client"
import { applyStep } from "../lib/drive"
import { SessionHistory } from "../lib/history"
import { median, sampleHeap } from "../lib/measure"
import { DEFAULT_SPEC, describeSpec, newStats, sessionStream, type Step, type StreamSpec } from "../lib/session-gen"
import { argJson, emit, progress } from "../lib/worker-io"

interface Args {
  lengths: number[]
  /** tool calls timed per length (the baseline's time pass) */
  samples: Record<string, number>
  spec?: Partial<StreamSpec>
}

export interface BaselineSample {
  messages: number
  historyMessages: number
  toolCalls: number
  ours: { msPerToolCall: number[]; historyBytesRead: number; messagesCalls: number; peakExtraHeap: number }
  baseline: {
    msPerToolCall: number[]
    historyBytesRead: number
    readsPerToolCall: number
    peakExtraHeap: number
    readMs: number[]
    serializeMs: number[]
    parseMs: number[]
  }
}

const args = argJson<Args>()
const maxLen = Math.max(...args.lengths)
// Payloads are substrings of one shared string: the history then costs little to keep,
// and every read still serializes and parses the full bodies.
const spec: StreamSpec = {
  ...DEFAULT_SPEC,
  ...args.spec,
  ownedPayloads: false,
  sessionID: "ses_bench_baseline",
  messages: maxLen + 200,
}
const stats = newStats()
const control = { compactionRequested: false }
const clock = { t: 1_700_000_000_000 }
const history = new SessionHistory()

// Ours gets the same history server: if it ever read history, the bytes would count here.
let oursBytesRead = 0
let oursBytesAtWindow = 0
const ours = benchClient({
  "session.messages": () => {
    const json = JSON.stringify(history.list())
    oursBytesRead += Buffer.byteLength(json, "utf8")
    return { data: JSON.parse(json) }
  },
  "session.summarize": () => {
    control.compactionRequested = true
    return { data: true }
  },
  "config.providers": () => providersResponse({ context: spec.context, output: spec.output }),
})
const { hooks, internals } = await createLongrun(ours.input, {}, { clock: { ...systemClock, now: () => clock.t } })
await hooks.config?.({} as never)
const settle = () => internals.router.flush()

// The baseline's client: every read serializes the current history and parses it.
let bytesRead = 0
let reads = 0
let probe: (() => void) | undefined
const readMs: number[] = []
const serializeMs: number[] = []
const parseMs: number[] = []
let latestTodos: unknown[] = []
const naive = benchClient({
  "session.messages": () => {
    const t0 = performance.now()
    let json: string | undefined = JSON.stringify(history.list())
    const t1 = performance.now()
    bytesRead += Buffer.byteLength(json, "utf8")
    reads++
    const data = JSON.parse(json)
    const t2 = performance.now()
    serializeMs.push(t1 - t0)
    parseMs.push(t2 - t1)
    readMs.push(t2 - t0)
    // The peak of a read: the response text and the parsed history both alive.
    probe?.()
    json = undefined
    return { data }
  },
  "session.todo": () => ({ data: latestTodos }),
})
const baseline: Hooks = createBaselineHooks(naive.client, { context: spec.context })

const samples: BaselineSample[] = []
const pendingLengths = [...args.lengths].sort((a, b) => a - b)
let sampling: { len: number; left: number; sample: BaselineSample } | undefined
let toolWindowMs = 0
let inToolWindow = false

const isToolPart = (step: Step) =>
  step.kind === "event" &&
  step.event.type === "message.part.updated" &&
  (step.event.properties.part as { type?: string }).type === "tool"

const t0 = performance.now()
for (const step of sessionStream(spec, control, clock, stats)) {
  if (step.kind === "message") {
    if (!sampling && pendingLengths.length && step.count >= pendingLengths[0]!) {
      const len = pendingLengths.shift()!
      sampling = {
        len,
        left: args.samples[String(len)] ?? 3,
        sample: {
          messages: step.count,
          historyMessages: history.size,
          toolCalls: stats.toolCalls,
          ours: { msPerToolCall: [], historyBytesRead: 0, messagesCalls: 0, peakExtraHeap: 0 },
          baseline: {
            msPerToolCall: [],
            historyBytesRead: 0,
            readsPerToolCall: 0,
            peakExtraHeap: 0,
            readMs: [],
            serializeMs: [],
            parseMs: [],
          },
        },
      }
    }
    if (step.count >= maxLen && !sampling && pendingLengths.length === 0) break
    continue
  }
  if (step.kind === "event") {
    history.apply(step.event)
    if (step.event.type === "todo.updated") latestTodos = step.event.properties.todos as unknown[]
  }
  const toolStep =
    isToolPart(step) || (step.kind === "hook" && (step.name === "tool.execute.before" || step.name === "tool.execute.after"))
  if (
    toolStep &&
    step.kind === "event" &&
    (step.event.properties.part as { state: { status: string } }).state.status === "pending"
  ) {
    inToolWindow = true
    toolWindowMs = 0
    oursBytesAtWindow = oursBytesRead
  }
  const dt = await applyStep(hooks, step, settle)
  if (inToolWindow && toolStep) toolWindowMs += dt

  if (sampling && step.kind === "hook" && step.name === "tool.execute.after") {
    const s = sampling.sample
    // Time pass: the baseline's tool.execute.after as OpenCode would call it.
    const before = { bytes: bytesRead, reads }
    readMs.length = serializeMs.length = parseMs.length = 0
    const tb = performance.now()
    await baseline["tool.execute.after"]!(step.input, { ...step.output })
    s.baseline.msPerToolCall.push(performance.now() - tb)
    s.baseline.historyBytesRead = bytesRead - before.bytes
    s.baseline.readsPerToolCall = reads - before.reads
    s.baseline.readMs.push(...readMs)
    s.baseline.serializeMs.push(...serializeMs)
    s.baseline.parseMs.push(...parseMs)
    // Ours: the same tool call's cost, finished below when its completed event arrives.
    ;(sampling as { pendingOurs?: boolean }).pendingOurs = true
    if (s.baseline.msPerToolCall.length === 1) {
      // Memory pass (separate, so forced GCs do not distort the times above).
      const pre = sampleHeap().heapSize
      let peak = pre
      probe = () => {
        peak = Math.max(peak, sampleHeap().heapSize)
      }
      await baseline["tool.execute.after"]!(step.input, { ...step.output })
      probe = undefined
      s.baseline.peakExtraHeap = peak - pre
      // Ours at the same point: a forced GC right after its handler ran, against one just before.
      const preOurs = sampleHeap().heapSize
      await hooks["tool.execute.after"]!(step.input, { ...step.output })
      await settle()
      s.ours.peakExtraHeap = sampleHeap().heapSize - preOurs
    }
  }
  if (
    isToolPart(step) &&
    step.kind === "event" &&
    (step.event.properties.part as { state: { status: string } }).state.status === "completed"
  ) {
    inToolWindow = false
    if (sampling && (sampling as { pendingOurs?: boolean }).pendingOurs) {
      ;(sampling as { pendingOurs?: boolean }).pendingOurs = false
      sampling.sample.ours.msPerToolCall.push(toolWindowMs)
      sampling.sample.ours.historyBytesRead = Math.max(sampling.sample.ours.historyBytesRead, oursBytesRead - oursBytesAtWindow)
      if (--sampling.left <= 0) {
        const s = sampling.sample
        s.ours.messagesCalls = ours.counts.get("session.messages") ?? 0
        samples.push(s)
        progress(
          `${s.messages} messages: baseline ${median(s.baseline.msPerToolCall).toFixed(1)} ms/tool call, ${(s.baseline.historyBytesRead / 1e6).toFixed(1)} MB read, ` +
            `peak +${(s.baseline.peakExtraHeap / 1e6).toFixed(1)} MB; ours ${(median(s.ours.msPerToolCall) * 1000).toFixed(1)} µs/tool call`,
        )
        sampling = undefined
      }
    }
  }
}
await settle()
emit({
  spec,
  described: describeSpec(spec),
  samples,
  wallMs: performance.now() - t0,
  oursClientCalls: Object.fromEntries([...ours.counts].sort()),
  baselineClientCalls: Object.fromEntries([...naive.counts].sort()),
})
await hooks.dispose?.()
