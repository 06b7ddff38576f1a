import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence } from "../../testkit/model-server"

describe("memory report and watchdog in real OpenCode", () => {
  let oc: OpencodeHandle
  let table: string

  beforeAll(async () => {
    oc = await startOpencode({
      // 1 MB: any real process is above it, so the watchdog must warn, and only once.
      pluginOptions: { memory_rss_warn_mb: 1, memory_sample_interval_ms: 300 },
      script: sequence([
        { toolCalls: [{ name: "bash", args: { command: "echo warm-up", description: "warm up" } }] },
        { toolCalls: [{ name: "longrun_status", args: {} }] },
        { text: "Checked." },
      ]),
    })
    await oc.runPrompt("Show the memory report.")
    table =
      oc.model.requests
        .flatMap((r) => r.toolResults)
        .map((t) => t.content)
        .find((c) => c.startsWith("opencode-longrun status")) ?? ""
    if (process.env.SAMPLE_REPORT) await Bun.write(process.env.SAMPLE_REPORT, table)
  }, 120_000)

  afterAll(async () => {
    await oc?.stop()
  })

  test("longrun_status returns the memory section to the model", () => {
    expect(table).toMatch(/\nmemory\nprocess: RSS \d+(\.\d)? MB, JS heap/)
    expect(table).toContain("most common objects on the JS heap (counts, not sizes)")
    expect(table).toContain("memory watchdog")
    expect(table).toMatch(/sampling every 300 ms, \d+\/64 samples kept/)
  })

  test("the watchdog's warning arrives on the event stream once, as a toast", async () => {
    const toast = await oc.waitForEvent((e) => e.type === "tui.toast.show" && e.properties.title === "Memory", 10_000)
    expect(toast.properties.message).toContain("above the 1 MB warning level")
    expect(toast.properties.variant).toBe("warning")
    await Bun.sleep(1_000) // three more samples, all still above the threshold
    expect(oc.events.filter((e) => e.type === "tui.toast.show" && e.properties.title === "Memory")).toHaveLength(1)
  })
})
