/**
 * OpenCode 1.18.33 alone (no plugin) through its own `@ai-sdk/anthropic` provider, against
 * the scripted Anthropic server and its faithful prompt cache: where OpenCode puts
 * `cache_control`, whether it resends earlier turns byte-identical after tool calls
 * (opencode #24840, #40790), and what the cache counts for each request. CACHE_SHOW=1
 * prints the per-request table.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { type RecordedRequest, type Reply, sequence } from "../../testkit/model-server"
import {
  ANTHROPIC_MODEL_ID,
  assistantMessages,
  ANTHROPIC_PROVIDER_ID,
  type OpencodeHandle,
  SONNET_COST,
  startOpencode,
} from "../../testkit/opencode"
import { anthropicRequestBlocks } from "../../testkit/prompt-cache"
import { anthropicPrefixChange } from "../../testkit/prompt-metrics"

/** Tokens of a request's tools and system blocks, as the cache model counts them. */
const toolsAndSystem = (r: RecordedRequest) =>
  anthropicRequestBlocks(r.body)
    .filter((b) => !b.at?.startsWith("messages"))
    .reduce((n, b) => n + b.tokens, 0)

const bash = (command: string) => ({ name: "bash", args: { command, description: command } })
const PARALLEL = 20 // one more than a breakpoint's lookback can bridge (20 positions, its own included)
const replies: Reply[] = [
  // turn 1: a tool loop
  { toolCalls: [bash("echo one")] },
  { text: "Now two.", toolCalls: [bash("echo two")] },
  { toolCalls: [bash("echo three"), { name: "read", args: { filePath: "src/a.ts" } }] }, // parallel
  { toolCalls: [{ name: "read", args: { filePath: "does/not/exist.ts" } }] }, // a tool that errors
  { reasoning: "The next step needs one more command.", toolCalls: [bash("echo four")] }, // a thinking block
  { toolCalls: Array.from({ length: PARALLEL }, (_, i) => bash(`echo p${i}`)) }, // a wide step
  { text: "Turn 1 done." },
  // turn 2, then (after the compaction) turns 3 and 4
  { text: "Turn 2 done." },
  { text: "Turn 3 done." },
  { text: "Turn 4 done." },
]

describe("OpenCode's own prompt caching through @ai-sdk/anthropic", () => {
  let oc: OpencodeHandle
  let agent: RecordedRequest[]
  let compaction: RecordedRequest
  let params: any[]
  let sessionID: string

  beforeAll(async () => {
    const out = join(process.env.TMPDIR ?? "/tmp", `chat-params-${process.pid}.jsonl`)
    oc = await startOpencode({
      api: "anthropic",
      plugin: false,
      extraPlugins: [[join(import.meta.dir, "fixtures/params-probe-plugin.ts"), { out }]],
      cost: SONNET_COST,
      limit: { context: 200_000, output: 8_000 },
      files: { "src/a.ts": "export const a = 1 // padded for a longer tool result\n".repeat(80) },
      config: {
        snapshot: false,
        provider: {
          [ANTHROPIC_PROVIDER_ID]: {
            models: { [ANTHROPIC_MODEL_ID]: { reasoning: true, options: { thinking: { type: "enabled", budgetTokens: 4000 } } } },
          },
        },
      },
      script: sequence(replies),
    })
    sessionID = await oc.runPrompt("Turn 1: fix the widget module.", { timeoutMs: 120_000 })
    await oc.runPrompt("Turn 2: now the tests.", { sessionID, timeoutMs: 60_000 })
    const since = oc.mark()
    const sum = await oc.client.session.summarize({
      path: { id: sessionID },
      body: { providerID: ANTHROPIC_PROVIDER_ID, modelID: ANTHROPIC_MODEL_ID },
    })
    if (sum.error) throw new Error(`summarize failed: ${JSON.stringify(sum.error)}`)
    await oc.waitForEvent((e) => e.type === "session.compacted" && e.properties.sessionID === sessionID, 60_000, since)
    await oc.waitForIdle(sessionID, 30_000, since).catch(() => undefined)
    await oc.runPrompt("Turn 3: and the docs.", { sessionID, timeoutMs: 60_000 })
    oc.model.advanceClock(12 * 60_000) // the person pauses past the 5-minute TTL
    await oc.runPrompt("Turn 4: one more thing.", { sessionID, timeoutMs: 60_000 })
    agent = oc.model.requests.filter((r) => r.kind === "agent" && r.sessionID === sessionID)
    compaction = oc.model.requests.find((r) => r.kind === "compaction")!
    params = existsSync(out)
      ? readFileSync(out, "utf8")
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l))
      : []
    if (process.env.CACHE_SHOW === "1")
      for (const r of oc.model.requests)
        process.stderr.write(
          `#${r.index} ${r.kind.padEnd(10)} blocks ${r.cache!.blocks} read ${r.cache!.read} write ${r.cache!.write} input ${r.cache!.input} lost ${r.cache!.lost} bp ${r.cache!.breakpoints.join(" ")}\n`,
        )
  }, 300_000)

  afterAll(async () => {
    await oc?.stop()
  })

  test("chat.params receives the catalogue prices per million tokens, as model.cost.{input, output, cache.read, cache.write}", () => {
    const agentParams = params.find((p) => p.agent !== "title")
    expect(agentParams.model.cost).toEqual({ input: 3, output: 15, cache: { read: 0.3, write: 3.75 } })
    expect(agentParams.model).toMatchObject({ providerID: "anthropic", api: { npm: "@ai-sdk/anthropic" } })
  })

  test("OpenCode's assistant tokens are what the cache counted, and its cost prices them at the cache prices", () => {
    const billed = oc.model.requests.filter((r) => r.kind !== "title" && r.sessionID === sessionID)
    const messages = assistantMessages(oc.events, sessionID)
    expect(messages).toHaveLength(billed.length)
    messages.forEach((m, i) => {
      const c = billed[i]!.cache!
      expect(m.tokens).toMatchObject({ input: c.input, cache: { read: c.read, write: c.write } })
      const dollars = (c.input * 3 + m.tokens.output * 15 + c.read * 0.3 + c.write * 3.75) / 1e6
      expect(m.cost).toBeCloseTo(dollars, 9)
    })
  })

  test("the 10 agent requests: 7 in the tool loop, one per later turn", () => {
    expect(agent.map((r) => r.lastUserText.slice(0, 6))).toEqual([...Array(7).fill("Turn 1"), "Turn 2", "Turn 3", "Turn 4"])
    expect(oc.model.requests.every((r) => r.api === "anthropic" && !r.cache?.error)).toBe(true)
  })

  test("breakpoints: the one system block and the last block of each of the last two messages, never the tools", () => {
    for (const r of agent) {
      const body = r.body
      expect(body.tools.length).toBeGreaterThan(0)
      expect(body.tools.some((t: any) => t.cache_control)).toBe(false)
      expect(body.system).toHaveLength(1)
      const lastTwo = body.messages.map((m: any, i: number) => `messages[${i}].content[${m.content.length - 1}]`).slice(-2)
      expect(r.cache!.breakpoints).toEqual(["system[0]", ...lastTwo])
    }
  })

  test("within a turn and into the next, every earlier message is resent with the same bytes but for moved marks", () => {
    const upToCompaction = agent.slice(0, 8)
    for (let k = 1; k < upToCompaction.length; k++) {
      const change = anthropicPrefixChange(upToCompaction[k - 1]!.body, upToCompaction[k]!.body)
      expect(change).toMatchObject({ changed: [], dropped: 0 })
      // The marks left the two messages that were last, and only those.
      const n = upToCompaction[k - 1]!.body.messages.length
      expect(change.marksOnly).toEqual(n === 1 ? ["messages[0]"] : [`messages[${n - 2}]`, `messages[${n - 1}]`])
    }
    // The thinking block (with its signature) and the failed tool's is_error result are resent as they came.
    const last = JSON.stringify(agent[7]!.body.messages)
    expect(last).toContain('"type":"thinking","thinking":"The next step needs one more command.","signature":"sig-e2e-')
    expect(last).toContain('"is_error":true')
    const thinking = agent.map((r) => JSON.stringify(r.body.thinking))
    expect(new Set(thinking)).toEqual(new Set(['{"type":"enabled","budget_tokens":4000}']))
  })

  test("the cache reads each request up to where the last one wrote: nothing is lost in the loop, nothing is left uncached", () => {
    const [first, ...rest] = agent.slice(0, 8)
    expect(first!.cache).toMatchObject({ read: 0, input: 0 })
    expect(first!.cache!.write).toBeGreaterThan(7_000) // tools and system prompt, about 30 KB
    rest.forEach((r, i) => {
      const prev = agent[i]!.cache!
      if (i === 5) return // after the wide step, below
      expect(r.cache!.read).toBe(prev.totalTokens)
      expect(r.cache).toMatchObject({ input: 0, lost: 0, write: r.cache!.totalTokens - prev.totalTokens })
    })
  })

  test(`a step of ${PARALLEL} parallel tool calls puts the old prefix out of every breakpoint's lookback: all messages are written again`, () => {
    const wide = agent[6]!
    expect(wide.cache!.readUpTo).toBe("system[0]")
    expect(wide.cache!.read).toBe(toolsAndSystem(wide))
    expect(wide.cache!.lost).toBe(agent[5]!.cache!.totalTokens - toolsAndSystem(wide))
    // OpenCode sends the step as one assistant message of 20 tool_use blocks and one user message
    // of 20 tool_result blocks: the old prefix ends 21 and 41 blocks before the two breakpoints.
    expect(wide.cache!.blocks - agent[5]!.cache!.blocks).toBe(2 * PARALLEL)
    expect(wide.cache!.breakpoints.slice(1)).toEqual([
      `messages[11].content[${PARALLEL - 1}]`,
      `messages[12].content[${PARALLEL - 1}]`,
    ])
  })

  test("compaction: its own system prompt and no tools, so what it writes can never be read by the session", () => {
    expect(compaction.body.tools).toBeUndefined()
    expect(compaction.body.system[0].text).not.toBe(agent[0]!.body.system[0].text)
    expect(compaction.cache!.breakpoints).toEqual(["system[0]", "messages[0].content[0]"])
    expect(compaction.cache!.write).toBeGreaterThan(1_024)
    const after = agent[8]!
    // The turn after it reads the tools and system prompt (still warm) and writes the summary on.
    expect(after.cache!.readUpTo).toBe("system[0]")
    expect(after.cache!.read).toBe(toolsAndSystem(after))
  })

  test("a 12-minute pause: everything has expired and the whole prompt is written again", () => {
    const paused = agent[9]!
    expect(paused.cache!.at - agent[8]!.cache!.at).toBeGreaterThanOrEqual(12 * 60_000)
    expect(paused.cache).toMatchObject({ read: 0, input: 0 })
    expect(paused.cache!.expired).toBeGreaterThan(0)
    expect(paused.cache!.write).toBe(paused.cache!.totalTokens)
    expect(oc.model.cacheTotals((r) => r.kind === "agent").busts).toBe(3) // the wide step, the compaction, the pause
  })
})
