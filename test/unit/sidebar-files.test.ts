/**
 * The snapshot folder is shared and anyone may put things in it (issue 20 items 6, 8,
 * 11, 12, 14): the server never writes through a planted link, keeps publishing past a
 * directory that squats a session's name and past a folder removed under it, does not
 * fight another server over one session, and sweeps what a dead server left.
 * Through the plugin's public event hook, on fake time and temporary folders.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { parseSnapshot } from "../../src/sidebar/snapshot"
import { ev } from "../../testkit/events"
import { pluginHarness } from "../../testkit/plugin-harness"

let root: string
let dir: string
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "longrun-sidebar-files-"))
  dir = join(root, "sidebar")
})
afterEach(() => rmSync(root, { recursive: true, force: true }))

type Harness = Awaited<ReturnType<typeof pluginHarness>>
const read = (id: string) => parseSnapshot(readFileSync(join(dir, `${id}.json`), "utf8"))
const todo = (h: Harness, id: string, content: string) => h.send(ev.todos(id, [{ content, status: "pending" }]))
/** A pid no process has: a child that has already exited. */
const deadPid = () => spawnSync("true").pid!

describe("sidebar files", () => {
  test("a symbolic link planted at the temp name is never written through", async () => {
    const victim = join(root, "victim.txt")
    writeFileSync(victim, "precious")
    mkdirSync(dir, { recursive: true })
    symlinkSync(victim, join(dir, `ses_l.json.${process.pid}.tmp`))
    const h = await pluginHarness({ sidebar_dir: dir })
    await todo(h, "ses_l", "a")
    await h.clock.advance(1_000)
    expect(readFileSync(victim, "utf8")).toBe("precious")
    expect(read("ses_l")?.todo.total).toBe(1)
  })

  test("a directory named <id>.json stops that session only; the others are still published", async () => {
    mkdirSync(join(dir, "ses_a.json"), { recursive: true })
    const h = await pluginHarness({ sidebar_dir: dir })
    await todo(h, "ses_b", "b")
    await todo(h, "ses_a", "a") // most recent first: the blocked one comes first in the loop
    await h.clock.advance(1_000)
    expect(read("ses_b")?.todo.total).toBe(1)
    await todo(h, "ses_c", "c")
    await h.clock.advance(1_000)
    expect(read("ses_c")?.todo.total).toBe(1)
    expect(readdirSync(dir).filter((n) => n.endsWith(".tmp"))).toEqual([])
  })

  test("the folder removed while running: the next change writes it again, every session's file back", async () => {
    const h = await pluginHarness({ sidebar_dir: dir })
    await todo(h, "ses_1", "a")
    await todo(h, "ses_2", "b")
    await h.clock.advance(1_000)
    rmSync(dir, { recursive: true, force: true })
    await h.send(
      ev.todos("ses_1", [
        { content: "a", status: "pending" },
        { content: "a2", status: "pending" },
      ]),
    )
    await h.clock.advance(1_000)
    expect(read("ses_1")?.todo.total).toBe(2)
    expect(read("ses_2")?.todo.total).toBe(1)
  })

  test("two servers on one session: the one with older news does not overwrite, and its dispose leaves the file", async () => {
    const a = await pluginHarness({ sidebar_dir: dir })
    const b = await pluginHarness({ sidebar_dir: dir })
    await todo(b, "ses_s", "old news") // b saw the session first
    await b.clock.advance(1_000)
    await a.clock.advance(5_000)
    await a.send(
      ev.todos("ses_s", [
        { content: "x", status: "pending" },
        { content: "y", status: "pending" },
      ]),
    )
    await a.clock.advance(1_000)
    expect(read("ses_s")?.todo.total).toBe(2) // a's newer snapshot
    await b.send(ev.status("ses_s", "idle")) // b's view changes, but its news is older than a's
    await b.clock.advance(1_000)
    expect(read("ses_s")?.todo.total).toBe(2)
    await b.hooks.dispose!()
    expect(read("ses_s")?.todo.total).toBe(2)
    await a.hooks.dispose!()
    expect(existsSync(join(dir, "ses_s.json"))).toBe(false)
  })

  test("when the newer server is disposed first, the other's snapshot comes back", async () => {
    const a = await pluginHarness({ sidebar_dir: dir })
    const b = await pluginHarness({ sidebar_dir: dir })
    await todo(a, "ses_s", "a's")
    await a.clock.advance(1_000)
    await b.clock.advance(5_000)
    await b.send(
      ev.todos("ses_s", [
        { content: "x", status: "pending" },
        { content: "y", status: "pending" },
      ]),
    )
    await b.clock.advance(1_000)
    expect(read("ses_s")?.todo.total).toBe(2)
    await b.hooks.dispose!()
    expect(read("ses_s")?.todo.total).toBe(1) // a still publishes this session
  })

  test("start-up sweeps the files a dead server left; a live server's stay", async () => {
    mkdirSync(dir, { recursive: true })
    const snap = (id: string, pid: number) =>
      JSON.stringify({ v: 1, sessionID: id, at: 1, pid, iid: "other", todo: { state: "countdown", endsAt: 2 } })
    writeFileSync(join(dir, "ses_dead.json"), snap("ses_dead", deadPid()))
    writeFileSync(join(dir, `ses_dead.json.${deadPid()}.tmp`), "{")
    writeFileSync(join(dir, "ses_live.json"), snap("ses_live", process.pid))
    writeFileSync(join(dir, "notes.txt"), "not ours")
    const h = await pluginHarness({ sidebar_dir: dir })
    await h.clock.advance(1_000)
    expect(readdirSync(dir).sort()).toEqual(["notes.txt", "ses_live.json"])
  })
})
