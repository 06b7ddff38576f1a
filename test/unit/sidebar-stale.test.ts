/**
 * What the TUI shows when the snapshot it reads is no longer live (issue 20 item 6): a
 * countdown past its end does not tick at "continuing in 0s" nor keep its cancel key, and
 * a snapshot whose server is gone, or which says nothing for a few beats while it should
 * be counting, reads as stale.
 */
import { describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import { countdownLive, renderSidebar, ticking } from "../../src/sidebar/render"
import type { SidebarSnapshot } from "../../src/sidebar/snapshot"

const NOW = 1_700_000_000_000
const deadPid = () => spawnSync("true").pid!

function snap(over: Partial<SidebarSnapshot> = {}): SidebarSnapshot {
  return {
    v: 1,
    sessionID: "ses_x",
    at: NOW,
    context: { used: 100, window: 20_000, compactions: 0, phase: "idle", inFlight: false, auto: true },
    todo: { state: "watching", sent: 0 },
    background: { running: 0, tasks: [] },
    memory: { sessionBytes: 1, pluginBytes: 1, rssBytes: 1 },
    ...over,
  }
}
const lines = (s: SidebarSnapshot, now: number) => renderSidebar(s, now, { cancelKey: "esc" }).map((l) => l.text)
const countdown = (endsAt: number, at = NOW) => snap({ at, todo: { state: "countdown", endsAt, sent: 0, open: 1, total: 2 } })
const running = (at: number, pid?: number) =>
  snap({
    at,
    pid,
    background: {
      running: 1,
      tasks: [{ description: "explore", status: "running", startedAt: at - 5_000, toolCalls: 1, tokens: 1 }],
    },
  })

describe("stale snapshots", () => {
  test("a countdown that ended a minute ago: no 'continuing in 0s', no cancel key, no ticking", () => {
    const s = countdown(NOW - 60_000, NOW - 90_000)
    const text = lines(s, NOW)
    expect(text.some((l) => l.includes("continuing in"))).toBe(false)
    expect(text.some((l) => l.includes("/longrun-stop cancels"))).toBe(false)
    expect(text.some((l) => l.startsWith("todo:"))).toBe(true)
    expect(ticking(s, NOW)).toBe(false)
    expect(countdownLive(s, NOW)).toBe(false)
  })

  test("a live countdown ticks and keeps its cancel key", () => {
    const s = countdown(NOW + 30_000)
    expect(lines(s, NOW)).toContain("todo: continuing in 30s (1/2 open)")
    expect(ticking(s, NOW)).toBe(true)
    expect(countdownLive(s, NOW)).toBe(true)
  })

  test("the server that wrote it is gone: stale, whatever it says", () => {
    const s = running(NOW, deadPid())
    expect(lines(s, NOW).some((l) => /stale/.test(l))).toBe(true)
    expect(ticking(s, NOW)).toBe(false)
    const c = { ...countdown(NOW + 30_000), pid: deadPid() }
    expect(countdownLive(c, NOW)).toBe(false)
    // the live server's (this process's) snapshot is not stale
    expect(lines(running(NOW, process.pid), NOW).some((l) => /stale/.test(l))).toBe(false)
  })

  test("a counting snapshot not refreshed for a few beats is stale; an idle one may stay put", () => {
    const old = running(NOW - 5 * 60_000)
    expect(lines(old, NOW).some((l) => /stale/.test(l))).toBe(true)
    expect(ticking(old, NOW)).toBe(false)
    expect(countdownLive(countdown(NOW + 600_000, NOW - 5 * 60_000), NOW)).toBe(false)
    const idle = snap({ at: NOW - 60 * 60_000 })
    expect(lines(idle, NOW).some((l) => /stale/.test(l))).toBe(false)
  })
})
