import { createTodoContinuationHook } from "../../src/hooks/todo-continuation"
import { ev } from "../../testkit/events"
import { pluginHarness, type Factory } from "../../testkit/plugin-harness"

export const todoOnly: Factory[] = [["todo-continuation", createTodoContinuationHook]]
export const THREE = [
  { content: "Rename the module", status: "completed", priority: "high" },
  { content: "Update the imports", status: "in_progress", priority: "high" },
  { content: "Run the checks", status: "pending", priority: "medium" },
]
export const FAST = { todo_countdown_ms: 20, todo_cooldown_ms: 0 }

/** A session with the todo-continuation hook alone, three todos, and helpers to go idle and let time pass. */
export async function session(options: Record<string, unknown> = FAST, responders = {}, todos: typeof THREE | null = THREE) {
  const h = await pluginHarness(options, { factories: todoOnly, responders })
  await h.send(ev.user("s", "msg_001", { time: { created: h.clock.now() - 60_000 } }))
  await h.send(ev.assistant("s", "msg_002", { input: 100 }, { time: { created: 1, completed: 2 } }))
  if (todos) await h.send(ev.todos("s", todos))
  const idle = async () => {
    await h.send(ev.status("s", "idle"))
    await h.send(ev.idle("s"))
  }
  const prompts = () => h.fake.named("session.promptAsync").map((c) => c.args as { path: { id: string }; body: any })
  /** Lets fake time pass: due timers fire, promises settle. */
  const settle = (ms = 60) => h.clock.advance(ms)
  const entry = () => h.internals.ctx.store.peek("s")!
  /** A message the person typed, as OpenCode 1.18.33 sends it: the user message, then its text part. */
  const say = async (id: string, text: string, info: Record<string, unknown> = {}) => {
    await h.send(ev.user("s", id, { time: { created: h.clock.now() }, ...info }))
    await h.send(ev.textPart("s", id, `prt_${id}`, text))
  }
  return { ...h, idle, prompts, settle, entry, say }
}
