import { describe, expect, test } from "bun:test"
import { createContextPruningHook } from "../../src/hooks/context-pruning"
import type { PruneState } from "../../src/hooks/context-pruning/state"
import { Conversation } from "../../testkit/conversation"
import { pluginHarness } from "../../testkit/plugin-harness"
import { longestReachableString } from "../helpers/retained"

const BIG = (tag: string, n: number) =>
  `${Array.from({ length: Math.ceil(n / 40) }, (_, i) => `${tag} line ${i} of some file content here`).join("\n")}\n`

async function setup() {
  const h = await pluginHarness({}, { factories: [["context-pruning", createContextPruningHook]] })
  const transform = async (messages: Array<{ info: unknown; parts: unknown[] }>) => {
    await h.hooks["experimental.chat.messages.transform"]!({}, { messages } as never)
  }
  const state = () => h.internals.ctx.store.peek("ses_test")?.peekState<PruneState>("context-pruning")
  return { ...h, transform, state }
}

describe("context pruning memory", () => {
  test("a 100,000-message session: state stays flat and keeps no bodies", async () => {
    const h = await setup()
    const c = new Conversation()
    const sizes: number[] = []
    // Compaction keeps the request short: only the newest 200 messages are sent each time.
    for (let i = 0; i < 100_000 / 4; i++) {
      c.user(`turn ${i}`)
      c.read("a.ts", BIG(`v${i % 7}`, 400))
      c.bash("npm test", BIG("same output", 400))
      c.text("ok")
      if (c.messages.length > 200) c.messages.splice(0, c.messages.length - 200)
      if (i % 50 === 0) {
        await h.transform(c.request())
        const s = h.state()!
        sizes.push(s.facts.size + s.decisions.size)
      }
    }
    const s = h.state()!
    // Bounded by MAX_PARTS (4,000) plus what one request holds, and no longer growing.
    expect(Math.max(...sizes)).toBeLessThan(2 * 4_000 + 400)
    expect(Math.max(...sizes.slice(sizes.length / 2))).toBeLessThanOrEqual(Math.max(...sizes.slice(0, sizes.length / 2)))
    expect(longestReachableString(s)).toBeLessThan(400)
    const bytes = h.internals.ctx.store.peek("ses_test")!.estimate().hooks["context-pruning"]!
    expect(bytes).toBeLessThan(2_000_000)
  }, 60_000)
})
