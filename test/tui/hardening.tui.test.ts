/**
 * The real OpenCode TUI in tmux (200x50), for what only the real TUI shows (issue 20
 * items 2, 5, 6): the sidebar reads the folder the server half writes to (sidebar_dir in
 * opencode.json) and reports a tui.json `dir` that disagrees; a task description from the
 * model cannot paint a forged row, and wide characters do not wrap; a countdown whose
 * end has passed, or a snapshot whose server is gone, is shown as over, not ticking, and
 * leaves OpenCode's own Esc alone.
 * Run under the shared lock: flock /tmp/longrun-opencode.lock bun test test/tui/hardening.tui.test.ts
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createOpencodeClient } from "@opencode-ai/sdk"
import type { SidebarSnapshot } from "../../src/sidebar/snapshot"
import { always } from "../../testkit/model-server"
import { sidebarOf, startTui, TUI_MODULE_URL, type TuiHandle, tmuxAvailable } from "./tui-harness"

const HAS_TMUX = tmuxAvailable()
const suite = HAS_TMUX ? describe : describe.skip
const REPLY = always({ text: "Done.", usage: { prompt_tokens: 4321, completion_tokens: 12 } })
const rows = (pane: string) => sidebarOf(pane).split("\n")

suite("TUI: the sidebar holds under attack", () => {
  let t: TuiHandle
  let root: string
  let serverDir: string
  let sessionID: string
  const write = (over: Partial<SidebarSnapshot>) => {
    const snap: SidebarSnapshot = {
      v: 1,
      sessionID,
      at: Date.now(),
      beat: 3_600_000,
      context: { used: 4333, window: 20000, compactions: 0, phase: "idle", inFlight: false, auto: true },
      todo: { state: "watching", sent: 0 },
      background: { running: 0, tasks: [] },
      memory: { sessionBytes: 2048, pluginBytes: 8192, rssBytes: 600 * 1024 * 1024 },
      ...over,
    }
    writeFileSync(join(serverDir, `${sessionID}.json`), JSON.stringify(snap))
  }

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), "longrun-tui-dirs-"))
    serverDir = join(root, "server-side")
    t = await startTui({
      script: REPLY,
      pluginOptions: { sidebar_dir: serverDir },
      tuiPlugins: [[TUI_MODULE_URL, { dir: join(root, "tui-side") }]],
    })
    await t.waitFor((p) => p.includes("Ask anything"), "the prompt", 90_000)
    t.type("hello")
    t.keys("Enter")
    await t.waitFor((p) => p.includes("Done."), "the model's reply", 60_000)
    const client = createOpencodeClient({ baseUrl: t.baseUrl, directory: t.directory })
    sessionID = ((await client.session.list()).data ?? [])[0]!.id
  }, 180_000)
  afterAll(async () => {
    await t?.stop()
    rmSync(root, { recursive: true, force: true })
  }, 30_000)

  test("sidebar_dir in opencode.json reaches the TUI half; tui.json's other dir is reported", async () => {
    const pane = await t.waitFor((p) => /context 4\.3K\/20\.0K \(22%\)/.test(sidebarOf(p)), "live data from sidebar_dir", 15_000)
    expect(sidebarOf(pane)).toContain("tui.json dir ≠ server's sidebar_dir")
    if (process.env.TUI_SHOW === "1") console.log(sidebarOf(pane))
  }, 30_000)

  test("a description with a newline paints no forged row; CJK and emoji rows do not wrap", async () => {
    const at = Date.now()
    const task = (description: string) => ({
      description,
      status: "running" as const,
      startedAt: at - 5_000,
      toolCalls: 1,
      tokens: 10,
    })
    write({
      background: {
        running: 3,
        tasks: [
          task("real work\nSPOOF all done          5s"),
          task("調査リポジトリの構造を確認してテストを修正する作業です"),
          task("🚀🚀 deploy 🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉"),
        ],
      },
    })
    const pane = await t.waitFor((p) => sidebarOf(p).includes("background: 3 running"), "the forged snapshot", 10_000)
    const side = rows(pane)
    if (process.env.TUI_SHOW === "1") console.log(side.join("\n"))
    expect(side.some((l) => l.trimStart().startsWith("SPOOF"))).toBe(false)
    for (const start of ["▸ real work", "▸ 調査", "▸ 🚀"]) {
      const i = side.findIndex((l) => l.includes(start))
      expect(i).toBeGreaterThanOrEqual(0)
      expect(side[i]!.trimEnd()).toMatch(/\d+s$/) // the elapsed time on the task's own row
      expect(side[i + 1]!.trim()).toMatch(/^\d+ steps/) // and nothing wrapped onto the next
    }
    t.keys("C-p")
    await t.waitFor((p) => p.includes("Commands"), "the command palette", 10_000)
    t.type("Longrun: details")
    await t.waitFor((p) => p.includes("Longrun: details"), "the details entry", 10_000)
    t.keys("Enter")
    const dialog = await t.waitFor((p) => p.includes("Full report: /longrun-status"), "the details dialog", 10_000)
    expect(dialog.split("\n").some((l) => /^\W*SPOOF/.test(l.trim()))).toBe(false)
    t.keys("Escape")
    await t.waitFor((p) => !p.includes("Full report: /longrun-status"), "the dialog to close", 10_000)
  }, 60_000)

  test("a countdown that ended a minute ago is over: no 'continuing in 0s', and Esc is OpenCode's again", async () => {
    const now = Date.now()
    write({ at: now - 90_000, todo: { state: "countdown", endsAt: now - 60_000, sent: 0, open: 1, total: 2 } })
    const pane = await t.waitFor((p) => sidebarOf(p).includes("todo: countdown ended"), "the ended countdown", 10_000)
    expect(sidebarOf(pane)).not.toContain("continuing in")
    expect(sidebarOf(pane)).not.toContain("/longrun-stop cancels")
    t.keys("Escape")
    await Bun.sleep(3_000) // what /longrun-stop would have answered by now
    expect(t.capture()).not.toContain("Todo continuation is off for this session")
  }, 30_000)

  test("a snapshot whose server is gone reads as stale and stops counting", async () => {
    const dead = spawnSync("true").pid!
    const at = Date.now()
    write({
      pid: dead,
      todo: { state: "countdown", endsAt: at + 120_000, sent: 0 },
      background: {
        running: 1,
        tasks: [{ description: "explore", status: "running", startedAt: at - 5_000, toolCalls: 1, tokens: 1 }],
      },
    })
    const pane = await t.waitFor((p) => sidebarOf(p).includes("stale: its OpenCode server is gone"), "the stale line", 10_000)
    expect(sidebarOf(pane)).not.toContain("continuing in")
    const elapsed = sidebarOf(pane).match(/▸ explore +(\S+)/)?.[1]
    await Bun.sleep(2_500)
    expect(sidebarOf(t.capture()).match(/▸ explore +(\S+)/)?.[1]).toBe(elapsed) // frozen, not ticking
  }, 30_000)
})
