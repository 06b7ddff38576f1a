import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { HookContext, LongrunHook } from "../src/hooks/types"
import type { HookName } from "../src/options"
import { createLongrun } from "../src/plugin"
import { fakeClient } from "./fake-client"
import { fakeClock } from "./fake-clock"

export type Factory = [HookName, (ctx: HookContext) => LongrunHook]

/**
 * Builds the real plugin around a fake client and clock. `send` feeds one event the
 * way OpenCode does and waits for the hooks' handlers to settle. Each harness journals
 * into a folder of its own (unless `journal_dir` is given), so no test sees another's.
 */
export async function pluginHarness(
  options: Record<string, unknown> = {},
  extra: { factories?: Factory[]; responders?: Parameters<typeof fakeClient>[0] } = {},
) {
  const fake = fakeClient(extra.responders)
  const clock = fakeClock()
  const withJournal = { journal_dir: mkdtempSync(join(process.env.XDG_DATA_HOME || tmpdir(), "longrun-journal-")), ...options }
  const { hooks, internals } = await createLongrun(fake.input, withJournal, { clock: clock.clock, factories: extra.factories })
  const send = async (event: unknown) => {
    await hooks.event!({ event } as never)
    await internals.router.flush()
    await clock.settle()
  }
  /** What OpenCode passes to chat.params for a request of `sessionID` with this model limit. */
  const chatParams = async (
    sessionID: string,
    limit: { context: number; output?: number; input?: number },
    agent = "build",
    ids = { providerID: "scripted", modelID: "scripted-model" },
  ) => {
    await hooks["chat.params"]!(
      {
        sessionID,
        agent,
        model: { id: ids.modelID, providerID: ids.providerID, limit } as never,
        provider: { source: "config", info: { id: ids.providerID } as never, options: {} },
        message: {} as never,
      },
      { temperature: 0, topP: 1, topK: 0, maxOutputTokens: undefined, options: {} },
    )
  }
  const toolAfter = async (sessionID: string, output = "tool output", tool = "bash") => {
    const out = { title: "", output, metadata: {} }
    await hooks["tool.execute.after"]!({ tool, sessionID, callID: `call_${Math.random()}`, args: {} }, out)
    await internals.router.flush()
    await clock.settle()
    return out.output
  }
  return { fake, clock, hooks, internals, send, chatParams, toolAfter }
}
