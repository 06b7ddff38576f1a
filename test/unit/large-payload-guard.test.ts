import { afterAll, describe, expect, test } from "bun:test"
import { mkdtempSync, readFileSync, rmSync, utimesSync, existsSync, mkdirSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createLargePayloadGuardHook } from "../../src/hooks/large-payload-guard"
import { headAndTail, outputsRoot } from "../../src/hooks/large-payload-guard/output-cap"
import { pruneOutputs } from "../../src/hooks/large-payload-guard/saved-outputs"
import { createContextWindowMonitorHook } from "../../src/hooks/context-window-monitor"
import type { HookContext } from "../../src/hooks/types"
import { ev } from "../../testkit/events"
import { pluginHarness, type Factory } from "../../testkit/plugin-harness"
import { longestReachableString } from "../helpers/retained"

const root = mkdtempSync(join(tmpdir(), "longrun-guard-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const guard = (dir = root): Factory[] => [["large-payload-guard", (ctx: HookContext) => createLargePayloadGuardHook(ctx, dir)]]
const KB = 1024
const diff = (file: string, kb: number) => ({
  file,
  before: "a".repeat(kb * KB),
  after: "b".repeat(kb * KB),
  additions: 1,
  deletions: 1,
})

describe("snapshot diff warning", () => {
  test("warns once per session above the threshold, naming the largest files and the remedies", async () => {
    const h = await pluginHarness({ large_payload_warn_bytes: 512 * KB }, { factories: guard() })
    await h.send(ev.user("s", "msg_001", { summary: { diffs: [diff("src/a.ts", 10)] } }))
    expect(h.fake.toasts()).toHaveLength(0)
    const diffs = [diff("build/build.ninja", 400), diff("build/log.yaml", 100), diff("src/a.ts", 10)]
    for (let i = 0; i < 3; i++) await h.send(ev.user("s", "msg_001", { summary: { diffs } }))
    const toasts = h.fake.toasts()
    expect(toasts).toHaveLength(1)
    expect(toasts[0]!.variant).toBe("warning")
    expect(toasts[0]!.message).toContain("1020.0 KB of file contents")
    expect(toasts[0]!.message).toContain("build/build.ninja (800.0 KB), build/log.yaml (200.0 KB)")
    expect(toasts[0]!.message).toContain(".gitignore")
    expect(toasts[0]!.message).toContain('"snapshot": false')
    expect(h.fake.logs().some((l) => l.level === "warn" && l.message.includes("session s:"))).toBe(true)
    await h.send(ev.user("t", "msg_009", { summary: { diffs } }))
    expect(h.fake.toasts()).toHaveLength(2) // another session warns on its own
  })

  test("nothing large is retained: only sizes", async () => {
    const h = await pluginHarness({ large_payload_warn_bytes: 1024 }, { factories: guard() })
    await h.send(ev.user("s", "msg_001", { summary: { diffs: [diff("big.txt", 2048)] } }))
    expect(longestReachableString(h.internals.ctx.store.peek("s"), h.internals.status())).toBeLessThan(2048)
    const report = h.internals.status().sessions.find((s) => s.id === "s")!
    expect(report.largestPayloads[0]).toEqual({ kind: "diff", label: "big.txt", bytes: 4096 * KB })
  })
})

describe("tool output cap", () => {
  test("off by default: the guard adds no tool.execute.after handler at all", async () => {
    const h = await pluginHarness({}, { factories: guard() })
    expect(h.hooks["tool.execute.after"]).toBeUndefined()
  })

  test("keeps head and tail, saves the full output, and says where", async () => {
    const h = await pluginHarness({ tool_output_cap_bytes: 20 * KB }, { factories: guard() })
    const big = `HEAD-MARK${"x".repeat(200 * KB)}TAIL-MARK`
    const out = await h.toolAfter("s", big)
    expect(out.length).toBeLessThan(21 * KB)
    expect(out.startsWith("HEAD-MARK")).toBe(true)
    expect(out.endsWith("TAIL-MARK")).toBe(true)
    const path = out.match(/saved in (\S+);/)![1]!
    expect(path.startsWith(root)).toBe(true)
    expect(readFileSync(path, "utf8")).toBe(big)
    expect(out).toContain("read it with the read tool")
    expect(await h.toolAfter("s", "short")).toBe("short")
  })

  test("if the output cannot be saved, it is left whole", async () => {
    const blocker = join(root, "not-a-dir")
    writeFileSync(blocker, "a file where a folder must go")
    const h = await pluginHarness({ tool_output_cap_bytes: 1 * KB }, { factories: guard(blocker) })
    const big = "y".repeat(10 * KB)
    expect(await h.toolAfter("s", big)).toBe(big)
    expect(h.fake.logs().some((l) => l.message.includes("left it uncapped"))).toBe(true)
  })

  test("the monitor's status line lands after the cap, not inside the saved middle", async () => {
    const h = await pluginHarness(
      { tool_output_cap_bytes: 4 * KB },
      { factories: [...guard(), ["context-window-monitor", createContextWindowMonitorHook]] },
    )
    await h.chatParams("s", { context: 10_000, output: 1_000 })
    await h.send(ev.assistant("s", "msg_001", { input: 7_500 }))
    const out = await h.toolAfter("s", "q".repeat(50 * KB))
    expect(out.endsWith("\n\n[opencode-longrun context note] 7,500 of 10,000 tokens in use (75% of the context window).")).toBe(
      true,
    )
  })

  test("old saved outputs are pruned, recent ones kept", async () => {
    const dir = mkdtempSync(join(tmpdir(), "longrun-prune-"))
    const old = join(dir, "p", "ses_old")
    const fresh = join(dir, "p", "ses_new")
    mkdirSync(old, { recursive: true })
    mkdirSync(fresh, { recursive: true })
    const eightDaysAgo = (Date.now() - 8 * 24 * 3600_000) / 1000
    utimesSync(old, eightDaysAgo, eightDaysAgo)
    expect(await pruneOutputs(dir, Date.now())).toBe(1)
    expect(existsSync(old)).toBe(false)
    expect(existsSync(fresh)).toBe(true)
    rmSync(dir, { recursive: true, force: true })
  })

  test("outputs go under XDG_DATA_HOME when it is set", () => {
    expect(outputsRoot({ XDG_DATA_HOME: "/data" })).toBe("/data/opencode-longrun/outputs")
    expect(headAndTail("abcdef", 4, "/p")).toMatch(/^ab\n\n\[longrun\] Output truncated: 6 bytes in all[\s\S]*\n\nef$/)
  })
})

test("the plugin's own tools are never capped: their reports are bounded already", async () => {
  const h = await pluginHarness({ tool_output_cap_bytes: 1024 }, { factories: guard() })
  const report = JSON.stringify({ big: "r".repeat(5_000) })
  expect(await h.toolAfter("s", report, "longrun_status")).toBe(report)
  expect(await h.toolAfter("s", report, "background_output")).toBe(report)
  expect(await h.toolAfter("s", report, "bash")).not.toBe(report)
})
