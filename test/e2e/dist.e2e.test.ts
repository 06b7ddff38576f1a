/**
 * The built package, as npm would install it: `npm run build` writes dist/, and the real
 * OpenCode loads the package directory (file:// to a folder with package.json, resolved
 * through its "exports" the way OpenCode resolves an installed npm plugin) with options
 * in the tuple form. Its imports of @opencode-ai/plugin and lru-cache resolve from
 * node_modules, as they would in a user's install.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { longrunReport, REPO_ROOT, startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence } from "../../testkit/model-server"

const pkg = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
  main: string
  types: string
  exports: Record<string, { import: string }>
}
const entry = join(REPO_ROOT, pkg.main)

describe("the built dist/ in real OpenCode", () => {
  let oc: OpencodeHandle
  let report: any

  beforeAll(async () => {
    const build = spawnSync(process.execPath, ["run", "build"], { cwd: REPO_ROOT, encoding: "utf8" })
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`)
    oc = await startOpencode({
      plugin: REPO_ROOT,
      pluginOptions: { max_sessions: 37, disabled_hooks: ["todo-continuation"] },
      script: sequence([{ toolCalls: [{ name: "longrun_status", args: { format: "json", scope: "all" } }] }, { text: "Done." }]),
    })
    await oc.runPrompt("Report status.", { timeoutMs: 60_000 })
    report = longrunReport(oc)
  }, 240_000)

  afterAll(async () => {
    await oc?.stop()
  })

  test("the build writes the entry and its type declarations", async () => {
    expect(existsSync(entry)).toBe(true)
    expect(existsSync(join(REPO_ROOT, pkg.types))).toBe(true)
    // OpenCode calls every export as a plugin: the entry exports the plugin only.
    const mod = await import(entry)
    expect(Object.keys(mod)).toEqual(["default"])
    expect(typeof mod.default).toBe("function")
  })

  test("OpenCode loads the package through its package.json, passes the options, and its tool answers", () => {
    // package.json points only at dist/, so what loaded is the build, not src/.
    expect(pkg.exports["."]?.import).toBe("./dist/index.js")
    expect(oc.model.agentRequests()[0]!.toolNames).toContain("longrun_status")
    expect(report).toBeDefined()
    expect(report.store.maxSessions).toBe(37)
    const hooks = report.sections.map((s: { hook: string }) => s.hook)
    expect(hooks).toContain("context-window-monitor")
    expect(hooks).not.toContain("todo-continuation")
    expect(report.clientCalls["session.messages"]).toBeUndefined()
  })
})
