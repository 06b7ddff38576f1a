/**
 * The package as a user gets it: `npm pack` (its prepack builds dist/) into a scratch
 * folder, `npm install <tarball>` into another scratch folder, then that installed folder
 * in a scratch project's opencode.json (the folder form), loaded by the real OpenCode.
 * Checks that the install is small (nothing but the package itself: its code bundles what
 * it needs, and the optional peer @opencode-ai/plugin is not installed) and that the
 * model is offered the plugin's tools, with their argument schemas.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { longrunReport, REPO_ROOT, startOpencode, type OpencodeHandle } from "../../testkit/opencode"
import { sequence } from "../../testkit/model-server"

const MAX_INSTALL_BYTES = 2 * 1024 * 1024

function npm(args: string[], cwd: string): string {
  const r = spawnSync("npm", [...args, "--no-audit", "--no-fund"], { cwd, encoding: "utf8", timeout: 180_000 })
  if (r.status !== 0) throw new Error(`npm ${args.join(" ")} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

/** Sum of file sizes under dir (apparent size, not disk blocks). */
function treeBytes(dir: string): number {
  let total = 0
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const st = statSync(p)
    total += st.isDirectory() ? treeBytes(p) : st.size
  }
  return total
}

describe("the packed tarball, installed the way a user would", () => {
  let scratch: string
  let userDir: string
  let installed: string
  let installBytes = 0
  let oc: OpencodeHandle
  let report: any

  beforeAll(async () => {
    scratch = mkdtempSync(join(process.env.E2E_TMPDIR ?? tmpdir(), "opencode-longrun-pack-"))
    const packDir = join(scratch, "pack")
    userDir = join(scratch, "user")
    for (const d of [packDir, userDir]) spawnSync("mkdir", ["-p", d])
    npm(["pack", "--pack-destination", packDir], REPO_ROOT)
    const tarball = readdirSync(packDir).find((f) => f.endsWith(".tgz"))
    if (!tarball) throw new Error(`npm pack wrote no tarball into ${packDir}`)
    writeFileSync(join(userDir, "package.json"), JSON.stringify({ name: "user-plugins", private: true }))
    npm(["install", join(packDir, tarball)], userDir)
    installed = join(userDir, "node_modules/opencode-longrun")
    installBytes = treeBytes(join(userDir, "node_modules"))
    console.log(`[package] installed size: ${(installBytes / 1024).toFixed(0)} KB in ${userDir}/node_modules`)

    oc = await startOpencode({
      plugin: installed,
      pluginOptions: { max_sessions: 41 },
      script: sequence([{ toolCalls: [{ name: "longrun_status", args: { format: "json", scope: "all" } }] }, { text: "Done." }]),
    })
    await oc.runPrompt("Report status.", { timeoutMs: 60_000 })
    report = longrunReport(oc)
  }, 300_000)

  afterAll(async () => {
    await oc?.stop()
    if (scratch && process.env.KEEP_E2E !== "1") rmSync(scratch, { recursive: true, force: true })
  })

  test("the install holds the package alone and stays under 2 MB", () => {
    expect(readdirSync(join(userDir, "node_modules")).filter((n) => !n.startsWith("."))).toEqual(["opencode-longrun"])
    const files = readdirSync(installed).sort()
    expect(files).toEqual(expect.arrayContaining(["LICENSE", "README.md", "dist", "package.json"]))
    expect(installBytes).toBeLessThan(MAX_INSTALL_BYTES)
  })

  test("OpenCode offers the plugin's tools to the model, with their argument schemas", () => {
    const first = oc.model.agentRequests()[0]!
    expect(first.toolNames).toEqual(expect.arrayContaining(["longrun_status", "background_task", "background_output"]))
    // The tool schemas come from the zod bundled into dist/: OpenCode must still turn them into JSON Schema.
    const status = (first.body.tools as any[]).find((t) => t?.function?.name === "longrun_status")
    expect(status.function.parameters.properties.format.enum).toEqual(["table", "json"])
    const task = (first.body.tools as any[]).find((t) => t?.function?.name === "background_task")
    expect(task.function.parameters.required).toEqual(expect.arrayContaining(["description", "prompt"]))
  })

  test("the installed plugin runs with the options from opencode.json", () => {
    expect(report).toBeDefined()
    expect(report.store.maxSessions).toBe(41)
  })
})
