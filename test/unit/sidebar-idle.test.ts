/**
 * An idle plugin does nothing (issue 19 item 13, issue 20 item 3): snapshots are rebuilt
 * when something changed, memory comes from the watchdog's one sampler (store.processFact),
 * no sidebar timer runs while nothing changes, and an idle session's file stays put
 * however the process's memory moves. Through the plugin's public event hook, on fake time.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createMemoryWatchdogHook } from "../../src/hooks/memory-watchdog"
import { createSidebarHook } from "../../src/hooks/sidebar"
import { parseSnapshot } from "../../src/sidebar/snapshot"
import { ev } from "../../testkit/events"
import { pluginHarness } from "../../testkit/plugin-harness"

const MB = 1024 * 1024
let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "longrun-sidebar-idle-"))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

type Harness = Awaited<ReturnType<typeof pluginHarness>>
const sidebarData = (h: Harness) =>
  h.internals.hooks.find((x) => x.name === "sidebar")!.status!()!.data as { writes: number; builds: number }
const read = (id: string) => parseSnapshot(readFileSync(join(dir, `${id}.json`), "utf8"))!

/** A session that ran one turn and finished, as OpenCode reports it. */
async function finishedSession(h: Harness, id: string) {
  await h.send(ev.created(id))
  await h.send(ev.status(id, "busy"))
  await h.send(ev.assistant(id, `msg_${id}`, { input: 1_000, output: 20 }))
  await h.send(ev.status(id, "idle"))
  await h.send(ev.idle(id))
}

describe("idle sidebar", () => {
  test("200 finished sessions, 30 idle seconds with RSS moving: no rebuild, no rewrite, files untouched", async () => {
    const h = await pluginHarness({ sidebar_dir: dir })
    for (let i = 0; i < 200; i++) await finishedSession(h, `ses_${i}`)
    await h.clock.advance(2_000)
    expect(readdirSync(dir)).toHaveLength(200)
    const mtime = statSync(join(dir, "ses_7.json")).mtimeMs
    const before = sidebarData(h)
    for (let s = 0; s < 30; s++) {
      // what the watchdog's sampler would publish: a process whose RSS moves all the time
      h.internals.ctx.store.processFact.rss = (300 + 7 * s) * MB
      await h.clock.advance(1_000)
    }
    const after = sidebarData(h)
    expect(after.writes - before.writes).toBe(0)
    expect(after.builds - before.builds).toBe(0)
    expect(statSync(join(dir, "ses_7.json")).mtimeMs).toBe(mtime)
  })

  test("idle, the sidebar holds no timer: as many timers run as with the sidebar turned off", async () => {
    const timersWith = async (options: Record<string, unknown>) => {
      const h = await pluginHarness({ sidebar_dir: dir, ...options })
      for (let i = 0; i < 3; i++) await finishedSession(h, `ses_${i}`)
      await h.clock.advance(5_000)
      return h.clock.pending()
    }
    expect(await timersWith({})).toBe(await timersWith({ disabled_hooks: ["sidebar"] }))
  })

  test("a change rebuilds that session only, and its file follows within the interval", async () => {
    const h = await pluginHarness({ sidebar_dir: dir })
    for (let i = 0; i < 50; i++) await finishedSession(h, `ses_${i}`)
    await h.clock.advance(2_000)
    const before = sidebarData(h)
    await h.send(ev.todos("ses_9", [{ content: "write the docs", status: "pending" }]))
    await h.clock.advance(1_000)
    const after = sidebarData(h)
    expect(after.writes - before.writes).toBe(1)
    expect(after.builds - before.builds).toBe(1)
    expect(read("ses_9").todo.total).toBe(1)
  })

  test("memory comes from the watchdog's sample (store.processFact), not from a second sampler", async () => {
    const h = await pluginHarness({ sidebar_dir: dir })
    Object.assign(h.internals.ctx.store.processFact, { rss: 777 * MB, heapUsed: 1, growthMbPerMin: 3, at: h.clock.now() })
    await finishedSession(h, "ses_m")
    await h.clock.advance(1_000)
    expect(read("ses_m").memory.rssBytes).toBe(777 * MB)
    expect(read("ses_m").memory.rssPerMinBytes).toBe(3 * MB)
  })
})

test("RSS shows from the start: the watchdog samples once when created, long before its first interval", async () => {
  const h = await pluginHarness({ sidebar_dir: dir, memory_sample_interval_ms: 600_000 })
  await finishedSession(h, "ses_r")
  await h.clock.advance(1_000)
  expect(read("ses_r").memory.rssBytes).toBeGreaterThan(0)
})

describe("the todo hook's state reaches the sidebar as a fact", () => {
  test("todo shows as disabled when the todo hook was not created, whatever the options say", async () => {
    // todo-continuation is enabled in the options but not among the hooks that run
    const h = await pluginHarness(
      { sidebar_dir: dir },
      {
        factories: [
          ["memory-watchdog", createMemoryWatchdogHook],
          ["sidebar", createSidebarHook],
        ],
      },
    )
    await finishedSession(h, "ses_t")
    await h.clock.advance(1_000)
    expect(read("ses_t").todo.state).toBe("disabled")
  })
})
