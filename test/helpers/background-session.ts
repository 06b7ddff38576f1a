import { createBackgroundAgentsHook } from "../../src/hooks/background-agents"
import { ev } from "../../testkit/events"
import { pluginHarness, type Factory } from "../../testkit/plugin-harness"

export const bgOnly: Factory[] = [["background-agents", createBackgroundAgentsHook]]

/** The background-agents hook alone, a parent with a known model, and helpers to launch and finish children. */
export async function setup(
  options: Record<string, unknown> = {},
  promptDelay = 0,
  parentPrompt?: (args: any) => unknown,
  responders: Record<string, (args: any) => unknown> = {},
) {
  let n = 0
  let inFlight = 0
  let maxInFlight = 0
  // The responder waits on the plugin's fake clock, so tests move time instead of sleeping.
  const later = { wait: (_ms: number) => Promise.resolve() }
  const h = await pluginHarness(
    { background_concurrency: 1, ...options },
    {
      factories: bgOnly,
      responders: {
        "session.create": () => ({ data: { id: `ses_child${++n}` } }),
        "session.promptAsync": async (args: any) => {
          if (args.path.id !== "ses_parent") return { data: true }
          if (parentPrompt) return parentPrompt(args)
          inFlight++
          maxInFlight = Math.max(maxInFlight, inFlight)
          await later.wait(promptDelay)
          inFlight--
          return { data: true }
        },
        ...responders,
      },
    },
  )
  later.wait = (ms) => new Promise((r) => h.clock.clock.setTimeout(r, ms))
  await h.chatParams("ses_parent", { context: 20_000, output: 2_000 })
  const ctxFor = (sessionID: string) => ({ sessionID, abort: new AbortController().signal }) as never
  const run = async (name: string, args: Record<string, unknown>, sessionID = "ses_parent") =>
    String(await h.hooks.tool![name]!.execute(args as never, ctxFor(sessionID)))
  const launch = async (description: string, parent = "ses_parent") => {
    const out = await run("background_task", { description, prompt: `do ${description}` }, parent)
    await h.internals.router.flush()
    await h.clock.advance(5)
    return out.match(/task (bg_\w+)/)![1]!
  }
  /** The child runs: busy, a tool call, a text, idle. */
  const complete = async (child: string, text = "child result") => {
    await h.send(ev.status(child, "busy"))
    await h.send(ev.toolPart(child, "msg_c1", "prt_t1", "bash", "ok"))
    await h.send(ev.textPart(child, "msg_c1", "prt_x1", text))
    await h.send(ev.assistant(child, "msg_c1", { input: 300, output: 20 }))
    await h.send(ev.status(child, "idle"))
    await h.send(ev.idle(child))
    await h.clock.advance(5)
  }
  const created = () => h.fake.named("session.create").length
  const notices = () =>
    h.fake
      .named("session.promptAsync")
      .map((c) => c.args as any)
      .filter((a) => a.path.id === "ses_parent")
      .map((a) => a.body)
  return { ...h, run, launch, complete, created, notices, stats: () => ({ maxInFlight }) }
}
