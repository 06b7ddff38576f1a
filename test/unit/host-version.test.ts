/**
 * The plugin learns OpenCode's version from the package.json next to its binary. Whatever
 * sits there (a FIFO, a folder, a huge file), the plugin's start must not hang or read
 * without bound (issue 20, item 14). A FIFO would block the whole process, so each start
 * runs in a child process with a time limit.
 */
import { afterAll, describe, expect, test } from "bun:test"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const top = mkdtempSync(join(tmpdir(), "longrun-hostversion-"))
afterAll(() => rmSync(top, { recursive: true, force: true }))
const REPO = resolve(import.meta.dir, "../..")

/** An npm-style OpenCode install whose package.json is made by `make`; returns the binary's path. */
function install(name: string, make: (pkgJson: string) => void): string {
  const dir = join(top, name)
  mkdirSync(join(dir, "bin"), { recursive: true })
  writeFileSync(join(dir, "bin", "opencode"), "")
  make(join(dir, "package.json"))
  return join(dir, "bin", "opencode")
}

/** Starts the plugin in a child process as if run by the binary at execPath; what it saw, or "hung". */
function startAs(execPath: string): { version: string; offHooks: string } | "hung" {
  const code = `
    process.execPath = ${JSON.stringify(execPath)}
    const { createLongrun } = await import(${JSON.stringify(join(REPO, "src/plugin.ts"))})
    const { fakeClient } = await import(${JSON.stringify(join(REPO, "testkit/fake-client.ts"))})
    const { internals } = await createLongrun(fakeClient().input, { disabled_hooks: ["sidebar", "memory-watchdog"] })
    const core = internals.status().sections.find((s) => s.hook === "core")
    console.log(JSON.stringify({ version: "started", offHooks: core ? core.title : "" }))
    process.exit(0)
  `
  const child = Bun.spawnSync([process.execPath, "-e", code], { cwd: REPO, timeout: 8_000, stdout: "pipe", stderr: "pipe" })
  if (child.exitCode !== 0) return "hung"
  return JSON.parse(child.stdout.toString().trim().split("\n").at(-1)!)
}

describe("reading the host's version at start", () => {
  test("a FIFO as the package.json next to the binary does not hang the start", () => {
    const bin = install("fifo", (p) => {
      expect(Bun.spawnSync(["mkfifo", p]).exitCode).toBe(0)
    })
    expect(startAs(bin)).toEqual({ version: "started", offHooks: "" })
  }, 20_000)

  test("a regular package.json still names the version (an old release turns hooks off)", () => {
    const bin = install("old", (p) => writeFileSync(p, JSON.stringify({ name: "opencode-ai", version: "1.15.13" })))
    expect(startAs(bin)).toEqual({ version: "started", offHooks: "hooks off on OpenCode 1.15.13" })
  })

  test("a folder, or a file far larger than a package.json, is not read", () => {
    const folder = install("folder", (p) => mkdirSync(p))
    expect(startAs(folder)).toEqual({ version: "started", offHooks: "" })
    const padded = `{"name":"opencode-ai","version":"1.15.13","pad":"${"x".repeat(2 * 1024 * 1024)}"}`
    const huge = install("huge", (p) => writeFileSync(p, padded))
    expect(startAs(huge)).toEqual({ version: "started", offHooks: "" })
  })
})
