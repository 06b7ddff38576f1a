/**
 * Text that reaches the TUI (issue 20 item 5): whatever the model put in a background
 * task's description, a snapshot paints one row per line the plugin means, no control
 * character reaches the terminal, and widths are counted in terminal columns.
 */
import { describe, expect, test } from "bun:test"
import { renderSidebar, WIDTH } from "../../src/sidebar/render"
import { parseSnapshot, type SidebarSnapshot } from "../../src/sidebar/snapshot"
import { detailsText } from "../../src/tui/details"

const NOW = 1_700_000_000_000
const cols = (s: string) => Bun.stringWidth(s)
// C0, DEL, C1, line/paragraph separators, bidi controls
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/

function withTasks(descriptions: string[], reason?: string): SidebarSnapshot {
  return {
    v: 1,
    sessionID: "ses_x",
    at: NOW,
    context: { used: 100, window: 20_000, compactions: 0, phase: "idle", inFlight: false, auto: true },
    todo: { state: reason ? "stopped" : "watching", reason, sent: 0 },
    background: {
      running: descriptions.length,
      tasks: descriptions.map((description) => ({
        description,
        status: "running" as const,
        startedAt: NOW - 5_000,
        toolCalls: 1,
        tokens: 10,
      })),
    },
    memory: { sessionBytes: 1, pluginBytes: 1, rssBytes: 1 },
  }
}

/** As the TUI gets it: through the file's text and the parser. */
const viaFile = (s: SidebarSnapshot) => parseSnapshot(JSON.stringify(s))!

describe("text that reaches the TUI", () => {
  const forged = "real work\nSPOOF all done          5s\r\u001b[2K\u001b[31mred\u0007\u2028x\u202eevil"

  test("a newline or escape in a task description cannot paint a forged row", () => {
    const lines = renderSidebar(viaFile(withTasks([forged], "user\nSPOOF")), NOW).map((l) => l.text)
    for (const l of lines) expect(l).not.toMatch(CONTROL)
    expect(lines.some((l) => l.startsWith("SPOOF"))).toBe(false)
    // what the parser returns carries no control character either
    const parsed = viaFile(withTasks([forged], "user\nSPOOF"))
    expect(parsed.background.tasks[0]!.description).not.toMatch(CONTROL)
    expect(parsed.todo.reason).not.toMatch(CONTROL)
  })

  test("the details dialog shows the description on its own line, no forged line after it", () => {
    const text = detailsText(viaFile(withTasks([forged])), NOW)
    const lines = text.split("\n")
    expect(lines.some((l) => l.startsWith("SPOOF"))).toBe(false)
    expect(text.replace(/\n/g, "")).not.toMatch(CONTROL)
  })

  test("CJK and emoji descriptions fit the sidebar in terminal columns, with the time right-aligned", () => {
    const cjk = "調査リポジトリの構造を確認してテストを修正する作業です"
    const emoji = "🚀🚀 deploy 👨‍👩‍👧 family 🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉"
    const lines = renderSidebar(withTasks([cjk, emoji]), NOW)
    for (const l of lines) expect(cols(l.text)).toBeLessThanOrEqual(WIDTH)
    const rows = lines.filter((l) => l.text.startsWith("▸")).map((l) => l.text)
    expect(rows).toHaveLength(2)
    for (const r of rows) {
      expect(r.endsWith("5s")).toBe(true)
      expect(cols(r)).toBe(WIDTH) // padded to the box, in columns, so the times line up
    }
  })
})
