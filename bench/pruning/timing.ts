/**
 * The transform's own time, in process: a session grown to 200 messages the way the
 * benchmark's session grows (re-reads, reruns, rewrites), each request transformed as
 * OpenCode would send it. "steady" is the normal case (earlier parts already known);
 * "cold" is the first request after a restart (every part hashed at once).
 */
import { createContextPruningHook } from "../../src/hooks/context-pruning"
import { Conversation } from "../../testkit/conversation"
import { pluginHarness } from "../../testkit/plugin-harness"

const body = (tag: string, n: number) => `${Array.from({ length: n }, (_, i) => `${tag} ${i} ${"x".repeat(50)}`).join("\n")}\n`

function grow(c: Conversation, step: number): void {
  if (step % 12 === 0) c.user(`turn ${step / 12}`)
  const k = step % 12
  if (k < 3) c.read(`src/f${k}.ts`, body(`f${k}-${k === 2 ? step : 0}`, 200))
  else if (k === 3) c.bash("npm test", body("PASS", 100))
  else if (k === 4) c.tool("bash", { command: "sh check.sh" }, { output: body("error TS2322", 40) })
  else if (k === 5) c.write("build/gen.json", body(`gen-${step}`, 200))
  else if (k === 6) c.read("build/gen.json", body(`gen-${step - 1}`, 200))
  else c.text(`step ${step}`)
}

export async function transformTiming(targetMessages = 200, coldReps = 20) {
  const h = await pluginHarness({}, { factories: [["context-pruning", createContextPruningHook]] })
  const transform = h.hooks["experimental.chat.messages.transform"]!
  const c = new Conversation("ses_timing")
  const steady: number[] = []
  for (let step = 0; c.messages.length < targetMessages; step++) {
    grow(c, step)
    const messages = c.request()
    gc()
    const t = performance.now()
    await transform({}, { messages } as never)
    if (c.messages.length >= targetMessages - 20) steady.push(performance.now() - t)
  }
  const cold: number[] = []
  for (let i = 0; i < coldReps; i++) {
    const fresh = await pluginHarness({}, { factories: [["context-pruning", createContextPruningHook]] })
    const messages = c.request()
    gc()
    const t = performance.now()
    await fresh.hooks["experimental.chat.messages.transform"]!({}, { messages } as never)
    cold.push(performance.now() - t)
  }
  // Steady state at exactly the target size, repeated: the same request again (all parts known).
  const repeat: number[] = []
  for (let i = 0; i < 200; i++) {
    const messages = c.request()
    gc()
    const t = performance.now()
    await transform({}, { messages } as never)
    repeat.push(performance.now() - t)
  }
  const parts = c.messages.reduce((n, m) => n + m.parts.length, 0)
  return { messages: c.messages.length, parts, steady: stats(steady), repeat: stats(repeat), cold: stats(cold) }
}

/** Collects the garbage the test harness made (deep copies), so it is not billed to the transform. */
const gc = () => Bun.gc(true)

function stats(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b)
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!
  return { n: s.length, medianMs: q(0.5), p95Ms: q(0.95), maxMs: s[s.length - 1]! }
}
