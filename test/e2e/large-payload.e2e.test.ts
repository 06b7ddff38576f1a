import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync, readFileSync } from "node:fs"
import { longrunReport, startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { bySession, sequence, type Reply } from "../../testkit/model-server"

// In the spirit of the opencode-17226 reproduction: a generated file is rewritten on each
// turn with snapshots on, and OpenCode puts its whole before/after bodies into the user
// message's summary.diffs. 60 KB keeps the test fast: with files of 400 KB and more, the
// second turn of OpenCode 1.18.33 did not go idle within 40 s here, with or without this
// plugin loaded, and even 100 KB made each turn much slower than the last.
const rewrite = (turn: number): Reply => ({
  toolCalls: [
    {
      name: "bash",
      args: {
        command: `mkdir -p build && yes "turn ${turn} generated line" | head -c 60000 > build/gen.log && echo ok`,
        description: `turn ${turn}`,
      },
    },
  ],
})
const TURNS = 2
// ~36 KB in 500 lines: above the plugin's cap, below OpenCode's own bash truncation
// (it cut larger outputs to its own limits, differently from run to run).
const LINE = "line %g of the build output, padded to make each line about sixty bytes"

describe("large-payload guard in real OpenCode", () => {
  let oc: OpencodeHandle
  let diffSession: string
  let report: any

  beforeAll(async () => {
    oc = await startOpencode({
      config: { snapshot: true },
      pluginOptions: {
        large_payload_warn_bytes: 32 * 1024,
        tool_output_cap_bytes: 8 * 1024,
        disabled_hooks: ["todo-continuation"],
      },
      script: bySession([
        [
          "Regenerate the build log",
          // Its last turn asks for the status: a report names only the session it is asked in.
          sequence([
            ...Array.from({ length: TURNS }, (_, i) => [rewrite(i + 1), { text: `Turn ${i + 1} done.` }]).flat(),
            { toolCalls: [{ name: "longrun_status", args: { format: "json" } }] },
            { text: "Reported." },
          ]),
        ],
        [
          "Print the big output",
          sequence([
            { toolCalls: [{ name: "bash", args: { command: `seq -f '${LINE}' 1 500`, description: "big output" } }] },
            { text: "Printed." },
          ]),
        ],
      ]),
    })
    for (let turn = 1; turn <= TURNS; turn++) {
      diffSession = await oc.runPrompt("Regenerate the build log.", {
        sessionID: turn === 1 ? undefined : diffSession,
        timeoutMs: 60_000,
      })
      await Bun.sleep(500) // the user message's diff summary is computed after the turn
    }
    await oc.runPrompt("Print the big output.")
    await oc.runPrompt("Report status.", { sessionID: diffSession })
    report = longrunReport(oc)
  }, 240_000)

  afterAll(async () => {
    await oc?.stop()
  })

  test("OpenCode really sent the file bodies in message.updated, and the user was warned once", () => {
    const withBodies = oc
      .eventsFor(diffSession)
      .filter(
        (e) =>
          e.type === "message.updated" &&
          (e.properties.info?.summary?.diffs ?? []).some((d: any) => String(d.patch ?? d.after ?? "").length >= 60_000),
      )
    expect(withBodies.length).toBeGreaterThan(0)
    const warnings = oc.events.filter((e) => e.type === "tui.toast.show" && e.properties.title === "Large snapshot diffs")
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.properties.message).toContain("build/gen.log")
    expect(warnings[0]!.properties.message).toContain('"snapshot": false')
  })

  test("longrun_status shows the sizes, and the plugin retains only a few KB", () => {
    const s = report.sessions.find((x: { id: string }) => x.id === diffSession)
    expect(s.diffBodyBytes).toBeGreaterThanOrEqual(60_000)
    expect(s.largestPayloads[0].label).toBe("build/gen.log")
    expect(s.largestPayloads[0].bytes).toBeGreaterThanOrEqual(60_000)
    expect(s.retainedBytes).toBeLessThan(64 * 1024)
    expect(report.retainedBytes).toBeLessThan(256 * 1024)
  })

  test("a large tool output reaches the model capped, with the path of the full output", () => {
    const result = oc.model.requests
      .flatMap((r) => r.toolResults)
      .map((t) => t.content)
      .find((c) => c.includes("[longrun] Output truncated"))
    if (!result)
      throw new Error(
        `no capped result; log:\n${oc
          .logs()
          .split("\n")
          .filter((l) => l.includes("longrun"))
          .join("\n")}`,
      )
    expect(result.length).toBeLessThan(9 * 1024)
    expect(result).toContain("[longrun] Output truncated")
    const path = result.match(/saved in (\S+);/)![1]!
    expect(existsSync(path)).toBe(true)
    const full = readFileSync(path, "utf8")
    // Nothing is lost: the saved file is the whole output; the agent sees its head and tail.
    expect(full.trimEnd().split("\n")).toEqual(Array.from({ length: 500 }, (_, i) => LINE.replace("%g", String(i + 1))))
    expect(result.startsWith(full.slice(0, 1000))).toBe(true)
    expect(result.trimEnd().endsWith(full.trimEnd().slice(-1000))).toBe(true)
  })
})
