/**
 * Saved full outputs (issue 20, items 9 and 10): a capped output's notice always points to
 * that call's own file, saved outputs go with their session, what one process saves is
 * bounded, and the start-up clean-up never follows a symbolic link.
 */
import { afterAll, describe, expect, test } from "bun:test"
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createLargePayloadGuardHook } from "../../src/hooks/large-payload-guard"
import { pruneOutputs, SavedOutputs } from "../../src/hooks/large-payload-guard/saved-outputs"
import type { HookContext } from "../../src/hooks/types"
import { ev } from "../../testkit/events"
import { pluginHarness, type Factory } from "../../testkit/plugin-harness"

const top = mkdtempSync(join(tmpdir(), "longrun-saved-"))
afterAll(() => rmSync(top, { recursive: true, force: true }))
let n = 0
const freshRoot = () => join(top, `root${++n}`)
const guard = (root: string | SavedOutputs): Factory[] => [
  ["large-payload-guard", (ctx: HookContext) => createLargePayloadGuardHook(ctx, root)],
]

async function capping(root: string | SavedOutputs = freshRoot(), options: Record<string, unknown> = {}) {
  const h = await pluginHarness({ tool_output_cap_bytes: 1024, ...options }, { factories: guard(root) })
  /** Runs one capped call; returns the path its notice names. */
  const call = async (sessionID: string, callID: string, body: string) => {
    const out = { title: "", output: body, metadata: {} }
    await h.hooks["tool.execute.after"]!({ tool: "bash", sessionID, callID, args: {} }, out)
    const path = out.output.match(/saved in (\S+);/)?.[1]
    expect(path).toBeDefined()
    return path!
  }
  return { h, root, call }
}
const body = (mark: string) => `${mark}${"x".repeat(4096)}${mark}`

describe("a notice points to its own call's output", () => {
  test("call ids that sanitize alike, share 120 characters, or repeat each keep their own file", async () => {
    const { call } = await capping()
    const long = "c".repeat(130)
    const ids = ["call/1", "call:1", `${long}A`, `${long}B`, "call_0", "call_0", "call_0"]
    const paths: string[] = []
    for (const [i, id] of ids.entries()) paths.push(await call("ses_1", id, body(`OUT${i}`)))
    expect(new Set(paths).size).toBe(ids.length)
    for (const [i, path] of paths.entries()) expect(readFileSync(path, "utf8")).toBe(body(`OUT${i}`))
  })

  test("session ids that sanitize alike get separate folders", async () => {
    const { call } = await capping()
    const a = await call("ses/x", "call_1", body("A"))
    const b = await call("ses:x", "call_1", body("B"))
    expect(readFileSync(a, "utf8")).toBe(body("A"))
    expect(readFileSync(b, "utf8")).toBe(body("B"))
  })
})

describe("saved outputs go with their session", () => {
  test("session.deleted removes that session's outputs, and only those", async () => {
    const { h, call } = await capping()
    const gone = await call("ses_a", "call_1", body("A"))
    const kept = await call("ses_b", "call_1", body("B"))
    await h.send(ev.deleted("ses_a"))
    expect(existsSync(gone)).toBe(false)
    expect(existsSync(join(gone, ".."))).toBe(false)
    expect(readFileSync(kept, "utf8")).toBe(body("B"))
  })

  test("a deleted session's outputs from an earlier run go too", async () => {
    const root = freshRoot()
    const first = await capping(root)
    const old = await first.call("ses_a", "call_1", body("A"))
    const second = await capping(root)
    await second.h.send(ev.deleted("ses_a"))
    expect(existsSync(old)).toBe(false)
  })
})

describe("saved outputs go with their session (expiry) and stay bounded", () => {
  test("a session that expires from the store takes its outputs; an active one keeps them", async () => {
    const outputs = new SavedOutputs(freshRoot())
    const { h, call } = await capping(outputs, { session_ttl_ms: 60_000, sweep_interval_ms: 1_000 })
    await h.send(ev.status("ses_idle", "busy"))
    await h.send(ev.status("ses_active", "busy"))
    const idle = await call("ses_idle", "call_1", body("I"))
    const active = await call("ses_active", "call_1", body("A"))
    await h.clock.advance(40_000)
    await h.send(ev.status("ses_active", "idle"))
    await h.clock.advance(40_000)
    await outputs.idle()
    expect(h.internals.ctx.store.has("ses_idle")).toBe(false)
    expect(existsSync(idle)).toBe(false)
    expect(readFileSync(active, "utf8")).toBe(body("A"))
  })

  test("what one process saved is bounded in count: the oldest files go first", async () => {
    const outputs = new SavedOutputs(freshRoot(), { maxFiles: 3, maxBytes: 1 << 30 })
    const { call } = await capping(outputs)
    const paths: string[] = []
    for (let i = 0; i < 5; i++) paths.push(await call("ses_1", `call_${i}`, body(`N${i}`)))
    expect(paths.map((p) => existsSync(p))).toEqual([false, false, true, true, true])
    expect(outputs.count).toBe(3)
  })

  test("and in bytes, never dropping the output just saved", async () => {
    const outputs = new SavedOutputs(freshRoot(), { maxFiles: 100, maxBytes: 10_000 })
    const { call } = await capping(outputs)
    const paths: string[] = []
    for (let i = 0; i < 3; i++) paths.push(await call("ses_1", `call_${i}`, body(`B${i}`)))
    expect(paths.map((p) => existsSync(p))).toEqual([false, true, true])
    expect(outputs.savedBytes).toBeLessThanOrEqual(10_000)
    const huge = await call("ses_1", "call_huge", "h".repeat(20_000))
    expect(readFileSync(huge, "utf8")).toHaveLength(20_000)
    expect(outputs.count).toBe(1)
  })

  test("a link planted for the session's folder is never written through", async () => {
    const root = freshRoot()
    const elsewhere = join(top, `elsewhere${n}`)
    mkdirSync(elsewhere)
    mkdirSync(join(root, "p"), { recursive: true }) // the fake project's id is "p"
    symlinkSync(elsewhere, join(root, "p", "ses_1"))
    const { h } = await capping(root)
    const out = { title: "", output: body("L"), metadata: {} }
    await h.hooks["tool.execute.after"]!({ tool: "bash", sessionID: "ses_1", callID: "call_1", args: {} }, out)
    expect(out.output).toBe(body("L")) // not saved, so left whole
    expect(readdirSync(elsewhere)).toEqual([])
  })
})

describe("the start-up clean-up never follows a link", () => {
  test("a link for a project or a session folder keeps its target's entries", async () => {
    const root = freshRoot()
    const documents = join(top, `Documents${n}`)
    mkdirSync(join(documents, "old-folder"), { recursive: true })
    writeFileSync(join(documents, "old-folder", "letter.txt"), "mine")
    const longAgo = (Date.now() - 30 * 24 * 3600_000) / 1000
    utimesSync(join(documents, "old-folder"), longAgo, longAgo)
    mkdirSync(join(root, "proj"), { recursive: true })
    symlinkSync(documents, join(root, "linked-project"))
    symlinkSync(join(documents, "old-folder"), join(root, "proj", "linked-session"))
    // a real old session folder with a link inside: the folder goes, the link's target stays
    mkdirSync(join(root, "proj", "ses_old"))
    symlinkSync(documents, join(root, "proj", "ses_old", "inside"))
    utimesSync(join(root, "proj", "ses_old"), longAgo, longAgo)
    expect(await pruneOutputs(root, Date.now())).toBe(1)
    expect(existsSync(join(root, "proj", "ses_old"))).toBe(false)
    expect(readdirSync(documents)).toEqual(["old-folder"])
    expect(readFileSync(join(documents, "old-folder", "letter.txt"), "utf8")).toBe("mine")
  })
})
