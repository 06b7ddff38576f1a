import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { assistantMessages, longrunReport, SONNET_COST, startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence, type Reply } from "../../testkit/model-server"

// Real OpenCode through its own Anthropic provider against the cache-faithful scripted server:
// the bill the plugin shows is the one the server counted, priced at the catalogue's prices.
// Between the turns the person is away: the server's cache clock moves 12 minutes, and
// OpenCode's own clock a real 2.5 s past the plugin's prompt_cache_ttl_ms of 2 s.
const TTL_MS = 2_000
const file = (tag: string) =>
  `${Array.from({ length: 300 }, (_, i) => `${tag} line ${i} padded to a useful length`).join("\n")}\n`
const read = (filePath: string): Reply => ({ toolCalls: [{ name: "read", args: { filePath } }] })
const replies: Reply[] = [
  read("a.txt"),
  read("b.txt"),
  read("c.txt"),
  { text: "Turn 1 done." },
  read("a.txt"),
  { toolCalls: [{ name: "longrun_status", args: { format: "json" } }] },
  { text: "Turn 2 done." },
]

describe("the bill in real OpenCode, from what the provider counted", () => {
  let oc: OpencodeHandle
  let report: any
  let sessionID: string

  beforeAll(async () => {
    oc = await startOpencode({
      api: "anthropic",
      cost: SONNET_COST,
      limit: { context: 200_000, output: 8_000 },
      files: { "a.txt": file("alpha"), "b.txt": file("bravo"), "c.txt": file("charlie") },
      config: { snapshot: false },
      pluginOptions: {
        prompt_cache_ttl_ms: TTL_MS,
        pruning_keep_recent: 2,
        bill_bust_toast_usd: 0.001,
        disabled_hooks: ["todo-continuation", "preemptive-compaction"],
      },
      script: sequence(replies),
    })
    sessionID = await oc.runPrompt("Turn 1: read the files.", { timeoutMs: 90_000 })
    oc.model.advanceClock(12 * 60_000)
    await Bun.sleep(TTL_MS + 500)
    await oc.runPrompt("Turn 2: once more.", { sessionID, timeoutMs: 90_000 })
    report = longrunReport(oc)
  }, 240_000)

  afterAll(async () => {
    await oc?.stop()
  })

  const billOf = () => report.sections.find((s: any) => s.hook === "bill").data.sessions.find((s: any) => s.id === sessionID)

  test("the bill sums the cache reads and writes the server counted, at the model's prices", () => {
    const b = billOf()
    const served = oc.model.cacheTotals((r) => r.kind === "agent" && r.sessionID === sessionID)
    const counted = assistantMessages(oc.events, sessionID).filter((m) => m.time?.completed && m.agent !== "title")
    // Every answer before the one that called longrun_status (it ends after its tool ran) is in the report.
    expect(b.steps).toBeGreaterThanOrEqual(counted.length - 2)
    expect(b.cacheRead).toBeGreaterThan(0)
    expect(b.cacheRead).toBeLessThanOrEqual(served.read)
    expect(b.cacheWrite).toBeLessThanOrEqual(served.write)
    expect(b.estimated).toBe(false)
    const expected = (b.input * 3 + b.output * 15 + b.cacheRead * 0.3 + b.cacheWrite * 3.75) / 1e6
    expect(b.dollars).toBeCloseTo(expected, 9)
    expect(b.hitRate).toBeGreaterThan(0.5)
  })

  test("the person's return after the cache's lifetime is a bust named as such, with a toast", () => {
    const b = billOf()
    expect(b.busts).toBeGreaterThanOrEqual(1)
    expect(b.lastBusts.map((x: any) => x.cause)).toContain("cache expired")
    const toasts = oc.events.filter((e) => e.type === "tui.toast.show").map((e) => String(e.properties?.message ?? ""))
    expect(toasts.some((m) => m.startsWith("A prompt-cache miss cost about $") && m.includes("(cache expired)"))).toBe(true)
  })

  test("pruning at that moment cost nothing extra: the old reads were left out when the cache was cold anyway", () => {
    const firstOfTurn2 = oc.model.requests.find((r) => r.kind === "agent" && r.lastUserText.startsWith("Turn 2"))!
    expect(firstOfTurn2.cache!.read).toBeLessThan(firstOfTurn2.cache!.write)
    const pruning = report.sections
      .find((s: any) => s.hook === "context-pruning")
      .data.sessions.find((s: any) => s.id === sessionID)
    expect(pruning.moments).toBeGreaterThanOrEqual(1)
    expect(pruning.lastMoment.cold).toBe(true)
  })
})
