import { describe, expect, test } from "bun:test"
import { FINISHED_SHOWN_MS, renderSidebar, ticking, WIDTH } from "../../src/sidebar/render"
import { parseSnapshot, type SidebarSnapshot } from "../../src/sidebar/snapshot"
import { detailsText } from "../../src/tui/details"
import { SnapshotReader, sessionOfFile } from "../../src/tui/reader"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

const NOW = 1_700_000_000_000
const MB = 1024 * 1024

function snap(over: Partial<SidebarSnapshot> = {}): SidebarSnapshot {
  return {
    v: 1,
    sessionID: "ses_x",
    at: NOW,
    context: {
      used: 8_200,
      window: 20_000,
      thresholdTokens: 16_000,
      hostOverflowTokens: 18_000,
      compactions: 1,
      phase: "idle",
      inFlight: false,
      auto: true,
    },
    todo: { state: "watching", sent: 0 },
    background: { running: 0, tasks: [] },
    memory: { sessionBytes: 12_300, pluginBytes: 40_000, rssBytes: 312 * MB, rssPerMinBytes: 4 * MB },
    ...over,
  }
}
const text = (s: SidebarSnapshot | undefined, now = NOW) => renderSidebar(s, now, { cancelKey: "esc" }).map((l) => l.text)

describe("sidebar render", () => {
  test("context, where compaction happens, and compactions so far", () => {
    const lines = text(snap())
    expect(lines.slice(0, 4)).toEqual([
      "Longrun",
      "context 8.2K/20.0K (41%)",
      "compact at 16.0K · host at 18.0K",
      "compactions 1",
    ])
  })

  test("before the model is known it says so; with auto compaction off it says that", () => {
    expect(text(snap({ context: { compactions: 0, phase: "idle", inFlight: false, auto: true } }))[1]).toBe(
      "context: waiting for the first reply",
    )
    const off = text(snap({ context: { ...snap().context, auto: false } }))
    expect(off[2]).toBe("auto compaction off · host at 18.0K")
  })

  test("todo states: armed, counting down with seconds left and how to cancel, stopped with why, off", () => {
    expect(text(snap({ todo: { state: "watching", sent: 2, open: 1, total: 3 } }))).toContain("todo: armed (1/3 open) · sent 2")
    const cd = text(snap({ todo: { state: "countdown", endsAt: NOW + 2_000, sent: 0 } }), NOW + 200)
    expect(cd).toContain("todo: continuing in 2s")
    expect(cd).toContain("  esc or /longrun-stop cancels")
    // at its end it says "now"; past it (the server said nothing since) the countdown is over, not "0s"
    expect(text(snap({ todo: { state: "countdown", endsAt: NOW + 2_000, sent: 0 } }), NOW + 2_500)).toContain(
      "todo: continuing now",
    )
    expect(text(snap({ todo: { state: "countdown", endsAt: NOW + 2_000, sent: 0 } }), NOW + 6_000)).toContain(
      "todo: countdown ended",
    )
    expect(text(snap({ todo: { state: "stopped", reason: "stagnation", sent: 3 } }))).toContain("todo: stopped (stagnation)")
    expect(text(snap({ todo: { state: "off", sent: 0 } }))).toContain("todo: off for this session")
  })

  test("background tasks: running with elapsed time and progress, finished ones only for a while", () => {
    const s = snap({
      background: {
        running: 1,
        tasks: [
          {
            description: "explore the repository layout",
            status: "running",
            startedAt: NOW - 65_000,
            toolCalls: 12,
            tokens: 3_400,
          },
          {
            description: "old task",
            status: "completed",
            startedAt: NOW - 20 * 60_000,
            endedAt: NOW - FINISHED_SHOWN_MS - 1,
            toolCalls: 1,
            tokens: 10,
          },
          {
            description: "fix tests",
            status: "error",
            startedAt: NOW - 90_000,
            endedAt: NOW - 30_000,
            toolCalls: 4,
            tokens: 900,
          },
        ],
      },
    })
    const lines = text(s)
    expect(lines).toContain("background: 1 running")
    const run = lines.find((l) => l.startsWith("▸ explore"))!
    expect(run.endsWith("1m05s")).toBe(true)
    expect(lines).toContain("  12 steps · 3.4K tok")
    expect(lines.some((l) => l.startsWith("✗ fix tests") && l.endsWith("1m00s"))).toBe(true)
    expect(lines.some((l) => l.includes("old task"))).toBe(false)
  })

  test("memory: kept here and in all, RSS with its trend", () => {
    const lines = text(snap())
    expect(lines).toContain("kept 12.0 KB here, 39.1 KB all")
    expect(lines).toContain("rss 312 MB ↑ +4 MB/min")
    expect(text(snap({ memory: { sessionBytes: 0, pluginBytes: 0, rssBytes: 300 * MB, rssPerMinBytes: -2 * MB } }))).toContain(
      "rss 300 MB ↓ -2 MB/min",
    )
  })

  test("every line fits the sidebar, however long the description", () => {
    const long = "x".repeat(200)
    const s = snap({
      background: {
        running: 1,
        tasks: [{ description: long, status: "running", startedAt: NOW - 3_700_000, toolCalls: 999, tokens: 12_345_678 }],
      },
    })
    for (const l of renderSidebar(s, NOW)) expect(l.text.length).toBeLessThanOrEqual(WIDTH)
  })

  test("no snapshot: a title and one line", () => {
    expect(text(undefined)).toEqual(["Longrun", "no data yet for this session"])
  })

  test("ticks only during a countdown or while a task runs", () => {
    expect(ticking(snap(), NOW)).toBe(false)
    expect(ticking(undefined, NOW)).toBe(false)
    expect(ticking(snap({ todo: { state: "countdown", endsAt: NOW, sent: 0 } }), NOW)).toBe(true)
    expect(
      ticking(
        snap({ background: { running: 1, tasks: [{ description: "a", status: "running", toolCalls: 0, tokens: 0 }] } }),
        NOW,
      ),
    ).toBe(true)
  })

  test("the details dialog lists every task untruncated and points to /longrun-status", () => {
    const long = "a very long description that the sidebar would cut short, but not the dialog"
    const d = detailsText(
      snap({ background: { running: 1, tasks: [{ description: long, status: "running", toolCalls: 3, tokens: 50 }] } }),
      NOW,
    )
    expect(d).toContain(long)
    expect(d).toContain("/longrun-status")
    expect(detailsText(undefined, NOW)).toContain("No data")
  })
})

describe("TUI snapshot reader", () => {
  test("reads a session's file on first use, re-reads it on change, forgets a removed one", () => {
    const dir = mkdtempSync(join(tmpdir(), "longrun-reader-"))
    try {
      const reader = new SnapshotReader(dir)
      expect(reader.get("ses_x")).toBeUndefined()
      writeFileSync(join(dir, "ses_x.json"), JSON.stringify(snap()))
      expect(reader.get("ses_x")).toBeUndefined() // cached until told it changed
      const seen: string[] = []
      reader.onChange((id) => seen.push(id))
      reader.changed("ses_x")
      expect(reader.get("ses_x")?.context.used).toBe(8_200)
      expect(seen).toEqual(["ses_x"])
      rmSync(join(dir, "ses_x.json"))
      reader.changed("ses_x")
      expect(reader.get("ses_x")).toBeUndefined()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test("a snapshot file and its temp file both name the session; other files none", () => {
    expect(sessionOfFile("ses_abc.json")).toBe("ses_abc")
    expect(sessionOfFile("ses_abc.json.1234.tmp")).toBe("ses_abc")
    expect(sessionOfFile("notes.txt")).toBeUndefined()
    expect(sessionOfFile("../x.json")).toBeUndefined()
  })

  test("a file naming another session is not shown for this one", () => {
    const dir = mkdtempSync(join(tmpdir(), "longrun-reader-"))
    try {
      writeFileSync(join(dir, "ses_y.json"), JSON.stringify(snap()))
      expect(new SnapshotReader(dir).get("ses_y")).toBeUndefined()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("sidebar: the bill", () => {
  test("dollars, the share read from the cache, busts with their last cause, what pruning saved", () => {
    const lines = text(
      snap({
        bill: {
          dollars: 3.456,
          estimated: false,
          hitRate: 0.874,
          busts: 2,
          bustDollars: 0.41,
          lastCause: "cache expired",
          savedDollars: 0.3,
        },
      }),
    )
    expect(lines).toContain("bill $3.46 · 87% cached")
    expect(lines).toContain("2 busts $0.41 · last: cache expired")
    expect(lines).toContain("pruning saved ~$0.30")
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(WIDTH)
  })

  test("no bill line before the first priced step; an estimate says so", () => {
    expect(text(snap()).some((l) => l.startsWith("bill"))).toBe(false)
    const lines = text(snap({ bill: { dollars: 120, estimated: true, hitRate: 0, busts: 0, bustDollars: 0, savedDollars: 0 } }))
    expect(lines).toContain("bill $120 est. · 0% cached")
  })

  test("a hostile bill in a snapshot is read as numbers in bounds and one short cause", () => {
    const s = { ...snap(), bill: { dollars: "9", hitRate: 7, busts: -1, lastCause: `x\n${"y".repeat(500)}`, estimated: "yes" } }
    const read = parseSnapshot(JSON.stringify(s))!
    expect(read.bill!.dollars).toBe(0)
    expect(read.bill!.hitRate).toBe(1)
    expect(read.bill!.estimated).toBe(false)
    expect(read.bill!.lastCause!.length).toBeLessThanOrEqual(40)
    for (const l of text(read)) expect(l.length).toBeLessThanOrEqual(WIDTH)
  })
})
