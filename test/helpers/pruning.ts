/** The context-pruning hook alone inside the real plugin, on fake time: what its unit tests share. */
import { createContextPruningHook } from "../../src/hooks/context-pruning"
import type { PruneState } from "../../src/hooks/context-pruning/state"
import { pluginHarness, type Factory } from "../../testkit/plugin-harness"

const factories: Factory[] = [["context-pruning", createContextPruningHook]]
export const BIG = (tag: string, n = 3000) =>
  `${Array.from({ length: Math.ceil(n / 40) }, (_, i) => `${tag} line ${i} of some file content here`).join("\n")}\n`
/** Longer than the prompt cache's default lifetime: a person who was away. */
export const AWAY = 6 * 60_000

export async function setup(
  options: Record<string, unknown> = {},
  responders?: NonNullable<Parameters<typeof pluginHarness>[1]>["responders"],
) {
  const h = await pluginHarness(options, { factories, responders })
  const transform = async (messages: Array<{ info: unknown; parts: unknown[] }>) => {
    await h.hooks["experimental.chat.messages.transform"]!({}, { messages } as never)
    return messages
  }
  const state = (session = "ses_test") => h.internals.ctx.store.peek(session)?.peekState<PruneState>("context-pruning")
  return { ...h, transform, state }
}
