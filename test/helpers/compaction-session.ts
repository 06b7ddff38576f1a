import { createPreemptiveCompactionHook } from "../../src/hooks/preemptive-compaction"
import { ev } from "../../testkit/events"
import { type Factory, pluginHarness } from "../../testkit/plugin-harness"

export const compactionOnly: Factory[] = [["preemptive-compaction", createPreemptiveCompactionHook]]
export const LIMIT = { context: 20_000, output: 2_000 } // OpenCode overflows at 18,000

/** The compaction hook alone, with a session mid-turn at 82.5% of a 20,000-token window: armed. */
export async function armedSession(options: Record<string, unknown> = {}, responders = {}) {
  const h = await pluginHarness(options, { factories: compactionOnly, responders })
  await h.chatParams("s", LIMIT)
  await h.send(ev.status("s", "busy"))
  await h.send(ev.assistant("s", "msg_001", { input: 16_500 })) // 82.5%
  return h
}

export const summarizeCalls = (h: Awaited<ReturnType<typeof pluginHarness>>) =>
  h.fake.named("session.summarize").map((c) => c.args as { path: { id: string }; body: Record<string, unknown> })
