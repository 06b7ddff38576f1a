/** Request bodies as the cache models see them (testkit/prompt-cache). */
import { describe, expect, test } from "bun:test"
import { AnthropicPromptCache, anthropicRequestBlocks, IMAGE_TOKENS, openaiRequestBlocks } from "../../testkit/prompt-cache"

const EPHEMERAL = { type: "ephemeral" }
const bash = { name: "bash", description: "run a command", input_schema: { type: "object", properties: {} } }
const long = "x".repeat(8000) // 2000 tokens

function body(marks: { system?: boolean; last?: boolean } = {}, extra: Record<string, unknown> = {}) {
  return {
    model: "claude-test",
    tools: [bash],
    system: [{ type: "text", text: long, ...(marks.system ? { cache_control: EPHEMERAL } : {}) }],
    messages: [
      { role: "user", content: "hello" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "running" },
          { type: "tool_use", id: "toolu_1", name: "bash", input: { command: "ls" } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "toolu_1", content: "a\nb", ...(marks.last ? { cache_control: EPHEMERAL } : {}) },
        ],
      },
    ],
    ...extra,
  }
}

describe("anthropicRequestBlocks", () => {
  test("tools, then system, then every message's content blocks, with tokens and breakpoints", () => {
    const blocks = anthropicRequestBlocks(body({ system: true, last: true }))
    expect(blocks.map((b) => b.at)).toEqual([
      "tools[0]",
      "system[0]",
      "messages[0]",
      "messages[1].content[0]",
      "messages[1].content[1]",
      "messages[2].content[0]",
    ])
    expect(blocks.map((b) => b.breakpoint)).toEqual([undefined, "5m", undefined, undefined, undefined, "5m"])
    expect(blocks[1]!.tokens).toBe(2000)
    expect(blocks[4]!.tokens).toBe(Math.ceil('bash {"command":"ls"}'.length / 4))
    expect(blocks[5]!.tokens).toBe(1)
  })

  test("moving a cache_control mark changes no key", () => {
    const a = anthropicRequestBlocks(body({ system: true }))
    const b = anthropicRequestBlocks(body({ last: true }))
    expect(a.map((x) => x.key)).toEqual(b.map((x) => x.key))
  })

  test("the same text in another role, or opening another message, is another block", () => {
    const one = anthropicRequestBlocks({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "a" },
            { type: "text", text: "b" },
          ],
        },
      ],
    })
    const two = anthropicRequestBlocks({
      messages: [
        { role: "user", content: [{ type: "text", text: "a" }] },
        { role: "user", content: [{ type: "text", text: "b" }] },
      ],
    })
    const other = anthropicRequestBlocks({ messages: [{ role: "assistant", content: [{ type: "text", text: "a" }] }] })
    expect(one[1]!.key).not.toBe(two[1]!.key)
    expect(one[0]!.key).not.toBe(other[0]!.key)
  })

  test("tool_choice and thinking settings change the message blocks only", () => {
    const plain = anthropicRequestBlocks(body())
    const forced = anthropicRequestBlocks(body({}, { tool_choice: { type: "any" } }))
    const thinking = anthropicRequestBlocks(body({}, { thinking: { type: "enabled", budget_tokens: 2000 } }))
    for (const other of [forced, thinking]) {
      expect(other.slice(0, 2).map((b) => b.key)).toEqual(plain.slice(0, 2).map((b) => b.key))
      expect(other[2]!.key).not.toBe(plain[2]!.key)
    }
  })

  test("ttl 1h, top-level automatic caching, string system, images", () => {
    const blocks = anthropicRequestBlocks({
      system: "be brief",
      cache_control: EPHEMERAL,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: "A".repeat(40_000) } },
            { type: "text", text: "what is it", cache_control: { type: "ephemeral", ttl: "1h" } },
          ],
        },
        { role: "assistant", content: "a cat" },
      ],
    })
    expect(blocks.map((b) => [b.at, b.breakpoint])).toEqual([
      ["system", undefined],
      ["messages[0].content[0]", undefined],
      ["messages[0].content[1]", "1h"],
      ["messages[1]", "5m"],
    ])
    expect(blocks[1]!.tokens).toBe(IMAGE_TOKENS)
  })

  test("through the cache: a second request that only moves the mark forward reads the first one", () => {
    let t = 0
    const cache = new AnthropicPromptCache({ now: () => t })
    const first = body({ system: true })
    first.messages[0] = { role: "user", content: [{ type: "text", text: long, cache_control: EPHEMERAL }] } as any
    cache.request(anthropicRequestBlocks(first), first.model)
    t += 60_000
    const second = body({ system: true, last: true })
    second.messages[0] = { role: "user", content: [{ type: "text", text: long }] } as any
    const r = cache.request(anthropicRequestBlocks(second), second.model)
    expect(r.readUpTo).toBe("messages[0].content[0]")
    expect(r.usage.cache_read_input_tokens).toBeGreaterThan(4000)
  })

  test("garbage gives no blocks, never a throw", () => {
    for (const junk of [null, 7, "x", { messages: "no" }, { tools: [null], messages: [null, { content: 5 }] }])
      expect(() => anthropicRequestBlocks(junk)).not.toThrow()
  })
})

describe("openaiRequestBlocks", () => {
  test("tools then one block per message; cache_control marks and their moves change nothing", () => {
    const msgs = (mark: number) => [
      { role: "system", content: [{ type: "text", text: "sys", ...(mark === 0 ? { cache_control: EPHEMERAL } : {}) }] },
      { role: "user", content: "hi", ...(mark === 1 ? { cache_control: EPHEMERAL } : {}) },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "bash", arguments: "{}" } }],
      },
    ]
    const tools = [{ type: "function", function: { name: "bash", parameters: {} } }]
    const a = openaiRequestBlocks({ tools, messages: msgs(0) })
    const b = openaiRequestBlocks({ tools, messages: msgs(1) })
    expect(a.map((x) => x.at)).toEqual(["tools[0]", "messages[0]", "messages[1]", "messages[2]"])
    expect(a.map((x) => x.key)).toEqual(b.map((x) => x.key))
    expect(a[3]!.tokens).toBe(Math.ceil("bash {}".length / 4))
  })
})
