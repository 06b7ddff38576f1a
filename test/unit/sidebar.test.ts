import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createSidebar } from "../../src/hooks/sidebar"
import { parseSnapshot, type SidebarSnapshot, sidebarDir } from "../../src/sidebar/snapshot"
import { pluginHarness } from "../../testkit/plugin-harness"

const MB = 1024 * 1024
let dir: string

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "longrun-sidebar-"))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** The plugin with its own sidebar timer parked, and a sidebar we tick by hand. */
async function setup(options: Record<string, unknown> = {}) {
  const h = await pluginHarness({ sidebar_dir: dir, sidebar_interval_ms: 3_600_000, ...options })
  const sidebar = createSidebar(h.internals.ctx)
  const read = (id: string): SidebarSnapshot => parseSnapshot(readFileSync(join(dir, `${id}.json`), "utf8"))!
  // what the memory watchdog publishes (the plugin's one sampler)
  const setRss = (rss: number, growthMbPerMin?: number) =>
    Object.assign(h.internals.ctx.store.processFact, { rss, growthMbPerMin })
  return { ...h, sidebar, read, setRss }
}

describe("sidebar snapshot builder", () => {
  test("context and compaction come from usage, the model's limit and the compaction fact", async () => {
    const s = await setup()
    await s.chatParams("ses_a", { context: 20_000, output: 2_000 })
    const entry = s.internals.ctx.store.touch("ses_a")
    entry.usage = { messageID: "m1", tokens: {} as never, total: 8_200, summary: false, at: 0 }
    entry.compaction.thresholdTokens = 16_000
    entry.compaction.hostOverflowTokens = 18_000
    entry.compaction.compactions = 2
    s.sidebar.tick()
    const snap = s.read("ses_a")
    expect(snap.context).toEqual({
      used: 8_200,
      window: 20_000,
      thresholdTokens: 16_000,
      hostOverflowTokens: 18_000,
      compactions: 2,
      phase: "idle",
      inFlight: false,
      auto: true,
    })
  })

  test("a zero usage (the first update of a reply) shows as unknown, not 0", async () => {
    const s = await setup()
    const entry = s.internals.ctx.store.touch("ses_z")
    entry.usage = { messageID: "m1", tokens: {} as never, total: 0, summary: false, at: 0 }
    s.sidebar.tick()
    expect(s.read("ses_z").context.used).toBeUndefined()
  })

  test("todo state, countdown end, stop reason and open todos come from the continuation fact", async () => {
    const s = await setup()
    const entry = s.internals.ctx.store.touch("ses_t")
    entry.setTodos([
      { content: "a", status: "completed" },
      { content: "b", status: "pending" },
      { content: "c", status: "in_progress" },
    ])
    entry.continuation.state = "countdown"
    entry.continuation.endsAt = s.clock.now() + 2_000
    s.sidebar.tick()
    expect(s.read("ses_t").todo).toMatchObject({ state: "countdown", endsAt: s.clock.now() + 2_000, open: 2, total: 3 })
    entry.continuation.state = "stopped"
    entry.continuation.reason = "user"
    await s.clock.advance(1_000)
    s.sidebar.tick()
    const todo = s.read("ses_t").todo
    expect(todo.state).toBe("stopped")
    expect(todo.reason).toBe("user")
    expect(todo.endsAt).toBeUndefined()
  })

  test("todo shows as disabled when the hook is off", async () => {
    const s = await setup({ disabled_hooks: ["todo-continuation"] })
    s.internals.ctx.store.touch("ses_d")
    s.sidebar.tick()
    expect(s.read("ses_d").todo.state).toBe("disabled")
  })

  test("background tasks come from the background fact, tokens summed", async () => {
    const s = await setup()
    const entry = s.internals.ctx.store.touch("ses_b")
    entry.background.running = 1
    entry.background.tasks.push({
      id: "bg_1",
      description: "explore the repo",
      status: "running",
      startedAt: s.clock.now() - 65_000,
      endedAt: undefined,
      toolCalls: 12,
      tokens: { input: 3_000, output: 400 },
    })
    s.sidebar.tick()
    expect(s.read("ses_b").background).toEqual({
      running: 1,
      tasks: [
        { description: "explore the repo", status: "running", startedAt: s.clock.now() - 65_000, toolCalls: 12, tokens: 3_400 },
      ],
    })
  })

  test("memory: retained bytes per session and in all; RSS and its trend from the watchdog's sample", async () => {
    const s = await setup()
    s.setRss(300 * MB)
    s.internals.ctx.store.touch("ses_m")
    s.internals.ctx.store.touch("ses_n")
    s.sidebar.tick()
    const first = s.read("ses_m").memory
    expect(first.rssBytes).toBe(300 * MB)
    expect(first.rssPerMinBytes).toBeUndefined()
    expect(first.sessionBytes).toBeGreaterThan(0)
    expect(first.pluginBytes).toBeGreaterThan(first.sessionBytes)
    s.setRss(310 * MB, 20)
    s.internals.ctx.store.peek("ses_m")!.compaction.compactions = 1 // memory is written with a real change
    s.sidebar.tick()
    expect(s.read("ses_m").memory).toMatchObject({ rssBytes: 310 * MB, rssPerMinBytes: 20 * MB })
  })
})

describe("sidebar publishing", () => {
  test("writes only when the content changed, never a temp file left behind", async () => {
    const s = await setup()
    s.internals.ctx.store.touch("ses_w")
    s.sidebar.tick()
    expect(s.sidebar.publisher.writes).toBe(1)
    await s.clock.advance(1_000)
    s.sidebar.tick() // only the time moved
    expect(s.sidebar.publisher.writes).toBe(1)
    s.internals.ctx.store.peek("ses_w")!.compaction.compactions = 1
    s.sidebar.tick()
    expect(s.sidebar.publisher.writes).toBe(2)
    expect(readdirSync(dir)).toEqual(["ses_w.json"])
  })

  test("the file goes when the session leaves the store, and all files on dispose", async () => {
    const s = await setup()
    s.internals.ctx.store.touch("ses_1")
    s.internals.ctx.store.touch("ses_2")
    s.sidebar.tick()
    expect(readdirSync(dir).sort()).toEqual(["ses_1.json", "ses_2.json"])
    s.internals.ctx.store.delete("ses_1")
    expect(readdirSync(dir)).toEqual(["ses_2.json"])
    await s.sidebar.hook.dispose!()
    expect(readdirSync(dir)).toEqual([])
    s.internals.ctx.store.touch("ses_3")
    s.sidebar.tick() // disposed: no more writes
    expect(existsSync(join(dir, "ses_3.json"))).toBe(false)
  })

  test("session ids that are not safe file names are skipped", async () => {
    const s = await setup()
    s.internals.ctx.store.touch("../escape")
    s.sidebar.tick()
    expect(readdirSync(dir)).toEqual([])
  })

  test("the default folder follows XDG_STATE_HOME, then ~/.local/state", () => {
    expect(sidebarDir({ XDG_STATE_HOME: "/x/state" })).toBe("/x/state/opencode-longrun/sidebar")
    expect(sidebarDir({ HOME: "/home/u" })).toBe("/home/u/.local/state/opencode-longrun/sidebar")
    expect(sidebarDir({ XDG_STATE_HOME: "/x" }, "/override")).toBe("/override")
  })
})

describe("parseSnapshot", () => {
  test("rejects other versions and junk, fills missing fields with safe values", () => {
    expect(parseSnapshot("not json")).toBeUndefined()
    expect(parseSnapshot(JSON.stringify({ v: 2, sessionID: "s" }))).toBeUndefined()
    const s = parseSnapshot(JSON.stringify({ v: 1, sessionID: "s", todo: { state: "weird" }, background: { tasks: [{}] } }))!
    expect(s.todo.state).toBe("watching")
    expect(s.context.compactions).toBe(0)
    expect(s.background.tasks[0]).toEqual({
      description: "",
      status: "running",
      startedAt: undefined,
      endedAt: undefined,
      toolCalls: 0,
      tokens: 0,
    })
  })
})
