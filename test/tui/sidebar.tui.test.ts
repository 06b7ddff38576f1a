/**
 * The real OpenCode TUI in tmux (200x50): the sidebar section shows this session's
 * context from the server half's snapshot, /longrun-status answers in the session
 * without a model call, and during a todo countdown Esc cancels it.
 * Run under the shared lock: flock /tmp/longrun-opencode.lock bun test test/tui/
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { createOpencodeClient } from "@opencode-ai/sdk"
import type { SidebarSnapshot } from "../../src/sidebar/snapshot"
import { always } from "../../testkit/model-server"
import { sidebarOf, startTui, type TuiHandle, tmuxAvailable } from "./tui-harness"

const HAS_TMUX = tmuxAvailable()
if (!HAS_TMUX) console.log("[tui] tmux is not installed: skipping the TUI tests")
const suite = HAS_TMUX ? describe : describe.skip
const REPLY = always({ text: "Done.", usage: { prompt_tokens: 4321, completion_tokens: 12 } })

async function sendPrompt(t: TuiHandle, text: string) {
  await t.waitFor((p) => p.includes("Ask anything"), "the prompt", 90_000)
  t.type(text)
  t.keys("Enter")
  await t.waitFor((p) => p.includes("Done."), "the model's reply", 60_000)
}

const sidebarFiles = (t: TuiHandle) => {
  const dir = join(t.xdgState, "opencode-longrun/sidebar")
  return existsSync(dir) ? readdirSync(dir) : []
}

suite("TUI: live data", () => {
  let t: TuiHandle
  beforeAll(async () => {
    t = await startTui({ script: REPLY })
    await sendPrompt(t, "hello")
  }, 180_000)
  afterAll(async () => await t?.stop(), 30_000)

  test("the sidebar shows the section with this session's context and compaction lines", async () => {
    const pane = await t.waitFor((p) => /context 4\.3K\/20\.0K \(22%\)/.test(sidebarOf(p)), "the context line", 15_000)
    const side = sidebarOf(pane)
    expect(side).toContain("Longrun")
    expect(side).toMatch(/compactions 0/)
    expect(side).toMatch(/todo: /)
    expect(side).toMatch(/rss \d+ MB/)
    // The bill of the step (no catalogue prices in this config: an estimate; no cache on this server)
    expect(side).toMatch(/bill \$0\.\d\d est\. · 0% cached/)
    console.log(
      `[tui] sidebar:\n${side
        .split("\n")
        .filter((l) => l.trim())
        .join("\n")}`,
    )
  }, 30_000)

  test("/longrun-status shows the report in the session and makes no model call", async () => {
    const before = t.model.agentRequests().length
    t.type("/longrun-status")
    await t.waitFor((p) => p.includes("show this session's status"), "the command in the autocomplete", 10_000)
    t.keys("Enter") // picks the command from the list
    await Bun.sleep(300)
    t.keys("Enter") // sends it
    // The report is taller than the pane: its last lines are what stays in view.
    const pane = await t.waitFor(
      (p) => p.includes("snapshot files in") && p.includes("client calls:"),
      "the status report",
      15_000,
    )
    expect(pane).toContain("memory watchdog")
    if (process.env.TUI_SHOW === "1") console.log(pane)
    expect(t.model.agentRequests().length).toBe(before)
  }, 30_000)
})

suite("TUI: countdown", () => {
  let t: TuiHandle
  let file: string
  beforeAll(async () => {
    // The server half writes no snapshots here (its first tick is an hour away), so the
    // test's own snapshot stays what the TUI shows.
    t = await startTui({ script: REPLY, pluginOptions: { sidebar_interval_ms: 3_600_000 } })
    await sendPrompt(t, "hello")
    expect(sidebarFiles(t)).toEqual([])
    const client = createOpencodeClient({ baseUrl: t.baseUrl, directory: t.directory })
    const sessions = (await client.session.list()).data ?? []
    expect(sessions).toHaveLength(1)
    const dir = join(t.xdgState, "opencode-longrun/sidebar")
    mkdirSync(dir, { recursive: true })
    file = join(dir, `${sessions[0]!.id}.json`)
    const snap: SidebarSnapshot = {
      v: 1,
      sessionID: sessions[0]!.id,
      at: Date.now(),
      context: {
        used: 4333,
        window: 20000,
        thresholdTokens: 16000,
        hostOverflowTokens: 18000,
        compactions: 0,
        phase: "idle",
        inFlight: false,
        auto: true,
      },
      todo: { state: "countdown", endsAt: Date.now() + 120_000, sent: 0, open: 2, total: 3 },
      background: {
        running: 1,
        tasks: [
          { description: "explore the repo", status: "running", startedAt: Date.now() - 65_000, toolCalls: 7, tokens: 3400 },
        ],
      },
      memory: { sessionBytes: 2048, pluginBytes: 8192, rssBytes: 600 * 1024 * 1024 },
    }
    writeFileSync(file, JSON.stringify(snap))
  }, 180_000)
  afterAll(async () => await t?.stop(), 30_000)

  test("the countdown ticks in seconds, with how to cancel; a running task shows its elapsed time", async () => {
    const first = await t.waitFor((p) => /todo: continuing in \d+s/.test(sidebarOf(p)), "the countdown", 10_000)
    const secs = Number(sidebarOf(first).match(/continuing in (\d+)s/)![1])
    if (process.env.TUI_SHOW === "1") console.log(sidebarOf(first))
    expect(sidebarOf(first)).toContain("esc or /longrun-stop cancels")
    expect(sidebarOf(first)).toMatch(/▸ explore the repo +1m0\ds/)
    expect(sidebarOf(first)).toContain("7 steps · 3.4K tok")
    await t.waitFor((p) => Number(sidebarOf(p).match(/continuing in (\d+)s/)?.[1] ?? secs) < secs, "the countdown to tick", 5_000)
  }, 30_000)

  test("Esc during the countdown runs /longrun-stop in the session", async () => {
    const before = t.capture()
    expect(before).not.toContain('longrun-stop"')
    t.keys("Escape")
    // The todo hook's /longrun-stop answers in the session, without a model call.
    const pane = await t.waitFor((p) => /Todo continuation is off for this session/.test(p), "the stop command's answer", 10_000)
    expect(pane).toContain("/longrun-resume turns it back on")
  }, 30_000)

  test("the command palette lists the Longrun entries; 'Longrun: details' opens the dialog", async () => {
    t.keys("C-p")
    await t.waitFor((p) => p.includes("Commands"), "the command palette", 10_000)
    t.type("Longrun")
    const palette = await t.waitFor((p) => p.includes("Longrun: details"), "the Longrun entries", 10_000)
    expect(palette).toContain("Longrun: stop todo continuation")
    expect(palette).toContain("Longrun: status report in this session")
    t.keys("Enter")
    const dialog = await t.waitFor((p) => p.includes("Full report: /longrun-status"), "the details dialog", 10_000)
    expect(dialog).toContain("running   explore the repo (7 steps, 3400 tokens)")
    if (process.env.TUI_SHOW === "1") console.log(dialog)
  }, 30_000)
})
