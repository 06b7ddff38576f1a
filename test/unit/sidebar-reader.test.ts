/**
 * The TUI half's reader on a folder every project shares (issue 20 items 3, 8, 14): it
 * wakes only for the session it shows, outlives the folder being removed and made
 * again, never blocks on a FIFO, and keeps no big string alive.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { heapStats } from "bun:jsc"
import { spawnSync } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseSnapshot, type SidebarSnapshot } from "../../src/sidebar/snapshot"
import { SnapshotReader } from "../../src/tui/reader"
import { fakeClock } from "../../testkit/fake-clock"

const MB = 1024 * 1024
let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "longrun-reader-"))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const snap = (sessionID: string, used = 100): SidebarSnapshot => ({
  v: 1,
  sessionID,
  at: Date.now(),
  context: { used, window: 20_000, compactions: 0, phase: "idle", inFlight: false, auto: true },
  todo: { state: "watching", sent: 0 },
  background: { running: 0, tasks: [] },
  memory: { sessionBytes: 1, pluginBytes: 1, rssBytes: 1 },
})
const put = (id: string, used = 100) => writeFileSync(join(dir, `${id}.json`), JSON.stringify(snap(id, used)))

/** Waits (bounded) for what a real file watcher reports; fails the test on timeout. */
async function until(what: string, pred: () => boolean, ms = 3_000) {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe("TUI reader", () => {
  test("wakes only for the session it shows, not for every file in the shared folder", async () => {
    const reader = new SnapshotReader(dir)
    reader.start()
    try {
      expect(reader.get("ses_shown")).toBeUndefined()
      const woken: string[] = []
      reader.onChange((id) => woken.push(id))
      for (let i = 0; i < 50; i++) put(`ses_other_${i}`)
      put("ses_shown", 4_321)
      await until("the shown session's change", () => woken.includes("ses_shown"))
      expect(woken.filter((id) => id !== "ses_shown")).toEqual([])
      expect(reader.get("ses_shown")?.context.used).toBe(4_321)
    } finally {
      reader.stop()
    }
  })

  test("the folder removed and made again: the watcher comes back and the file is read again", async () => {
    const clock = fakeClock()
    const reader = new SnapshotReader(dir, { clock: clock.clock })
    reader.start()
    try {
      put("ses_a", 1)
      reader.get("ses_a")
      rmSync(dir, { recursive: true, force: true })
      await until("the reader to notice the folder is gone", () => reader.watching === false)
      expect(reader.get("ses_a")).toBeUndefined()
      mkdirSync(dir)
      put("ses_a", 2)
      await clock.advance(5_000) // the reader looks for the folder again while it is gone
      expect(reader.watching).toBe(true)
      expect(reader.get("ses_a")?.context.used).toBe(2)
      const woken: string[] = []
      reader.onChange((id) => woken.push(id))
      put("ses_a", 3)
      await until("a change seen by the new watcher", () => reader.get("ses_a")?.context.used === 3)
      await clock.advance(1_000) // the second read after the event
      expect(clock.pending()).toBe(0) // no timer once the folder is back
    } finally {
      reader.stop()
    }
  })

  test("a FIFO named like the viewed session's file does not hang the reader", () => {
    expect(spawnSync("mkfifo", [join(dir, "ses_f.json")]).status).toBe(0)
    const code = `
      const { SnapshotReader } = await import(${JSON.stringify(join(import.meta.dir, "../../src/tui/reader.ts"))})
      console.log(String(new SnapshotReader(${JSON.stringify(dir)}).get("ses_f")))`
    const child = spawnSync(process.execPath, ["-e", code], { timeout: 5_000, encoding: "utf8" })
    expect(child.stdout.trim()).toBe("undefined")
    expect(child.status).toBe(0)
  })

  test("parsed snapshots keep no piece of a huge input alive", () => {
    Bun.gc(true)
    const before = heapStats().extraMemorySize
    const kept: unknown[] = []
    for (let i = 0; i < 8; i++) {
      const s = snap(`ses_${i}`)
      s.todo = { state: "stopped", reason: `${i}`.padEnd(2 * MB, "r"), sent: 0 }
      s.background.tasks = [{ description: `${i}`.padEnd(2 * MB, "d"), status: "running", toolCalls: 0, tokens: 0 }]
      kept.push(parseSnapshot(JSON.stringify(s)))
    }
    Bun.gc(true)
    const grown = heapStats().extraMemorySize - before
    expect(kept).toHaveLength(8)
    expect(grown).toBeLessThan(8 * MB) // 8 x 2 x 2 MB = 32 MB if the cut strings pinned their originals
  })
})

test("a view that takes over from one that let go still hears of changes", () => {
  const reader = new SnapshotReader(dir)
  put("ses_v", 1)
  const releaseOld = reader.hold("ses_v")
  expect(reader.get("ses_v")?.context.used).toBe(1) // the new view reads while the old one still holds
  releaseOld() // the old view goes: the cache of the session goes with it
  const woken: string[] = []
  reader.onChange((id) => woken.push(id))
  put("ses_v", 2)
  const releaseNew = reader.hold("ses_v") // the new view's hold comes after
  reader.changed("ses_v") // what the watcher does on the next change
  expect(woken).toContain("ses_v")
  expect(reader.get("ses_v")?.context.used).toBe(2)
  releaseNew()
})

test("an event that comes before the server's rename has landed is followed by a second read", async () => {
  const clock = fakeClock()
  const reader = new SnapshotReader(dir, { clock: clock.clock })
  put("ses_r", 1)
  expect(reader.get("ses_r")?.context.used).toBe(1)
  const woken: string[] = []
  reader.onChange((id) => woken.push(id))
  reader.fileEvent("ses_r") // the temp file's event, read while the old file is still in place
  put("ses_r", 2) // the rename lands; inside OpenCode's TUI no further event may come
  await clock.advance(1_000)
  expect(reader.get("ses_r")?.context.used).toBe(2)
  expect(woken).toContain("ses_r")
  expect(clock.pending()).toBe(0)
})
