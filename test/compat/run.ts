/**
 * `npm run test:compat [-- 1.14.41 1.18.33 ...]`: runs the compatibility checks
 * (checks.ts) against a spread of OpenCode releases, one release at a time, and prints
 * the table of releases x hooks that the README shows.
 *
 * Each release's binary is npm-installed once (its platform package only, e.g.
 * opencode-linux-x64@1.14.41) into .compat/opencode-<version>/ (gitignored), so reruns
 * skip the download. The pinned release (package.json's opencode-ai) uses node_modules.
 * COMPAT_LOCK=<file> wraps each release's run in `flock <file>`, so that other suites
 * that start OpenCode can take turns with it.
 */
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { REPO_ROOT } from "../../testkit/opencode"
import { COLUMNS, type Column, type Verdict } from "./checks"

// 1.17.20 has no Linux binary; the registry has nothing between 1.3.2 and 1.14.34.
const DEFAULT_VERSIONS = ["1.1.65", "1.2.27", "1.3.2", "1.14.41", "1.15.13", "1.17.19", "1.18.14", "1.18.33"]
const CACHE = join(REPO_ROOT, ".compat")
const pinned: string = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).devDependencies["opencode-ai"]

function platformPackage(): string {
  const os = process.platform === "win32" ? "windows" : process.platform
  return `opencode-${os}-${process.arch}`
}

/** Path of the opencode binary for a release, installing it on first use. */
function binaryFor(version: string): string {
  if (version === pinned) return join(REPO_ROOT, "node_modules/.bin/opencode")
  const dir = join(CACHE, `opencode-${version}`)
  const pkg = platformPackage()
  const bin = join(dir, "node_modules", pkg, "bin", process.platform === "win32" ? "opencode.exe" : "opencode")
  if (existsSync(bin)) return bin
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true }))
  process.stderr.write(`[compat] installing ${pkg}@${version} into ${dir}\n`)
  const r = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--no-save", `${pkg}@${version}`], {
    cwd: dir,
    encoding: "utf8",
  })
  if (r.status !== 0 || !existsSync(bin)) throw new Error(`could not install ${pkg}@${version}: ${r.stderr.slice(-400)}`)
  return bin
}

function runRelease(version: string): Partial<Record<Column, Verdict>> {
  const bin = binaryFor(version)
  const cmd = [process.execPath, join(import.meta.dir, "checks.ts")]
  const lock = process.env.COMPAT_LOCK
  const [exe, ...args] = lock ? ["flock", lock, ...cmd] : cmd
  const started = Date.now()
  const r = spawnSync(exe!, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, E2E_OPENCODE_BIN: version === pinned ? "" : bin },
    encoding: "utf8",
    timeout: 15 * 60_000,
  })
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("COMPAT_RESULT "))
  process.stderr.write(`[compat] ${version}: ${((Date.now() - started) / 1000).toFixed(0)} s\n`)
  if (!line) {
    const why = `no result (exit ${r.status}${r.error ? `, ${r.error.message}` : ""})`
    process.stderr.write(`${(r.stderr ?? "").slice(-2000)}\n`)
    return Object.fromEntries(COLUMNS.map((c) => [c, { ok: false, note: why }]))
  }
  return JSON.parse(line.slice("COMPAT_RESULT ".length))
}

function table(results: [string, Partial<Record<Column, Verdict>>][]): string {
  const rows = [`| OpenCode | ${COLUMNS.join(" | ")} |`, `|---|${COLUMNS.map(() => "---").join("|")}|`]
  const notes: string[] = []
  for (const [version, r] of results) {
    const cells = COLUMNS.map((c) => {
      const v = r[c]
      if (!v) return "?"
      if (v.ok) return "yes"
      notes.push(`${version}, ${c}: ${v.note}`)
      return `no (${notes.length})`
    })
    rows.push(`| ${version} | ${cells.join(" | ")} |`)
  }
  return [...rows, "", ...notes.map((n, i) => `(${i + 1}) ${n}`)].join("\n")
}

const byNumber = (a: string, b: string) => {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number))
  for (let i = 0; i < 3; i++) if (x![i] !== y![i]) return (x![i] ?? 0) - (y![i] ?? 0)
  return 0
}
const versions = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : DEFAULT_VERSIONS).sort(byNumber)
const results: [string, Partial<Record<Column, Verdict>>][] = []
for (const v of versions) {
  results.push([v, runRelease(v)])
  // Keep what is measured so far, in case a later release hangs.
  mkdirSync(CACHE, { recursive: true })
  writeFileSync(join(CACHE, "results.json"), JSON.stringify(results, null, 2))
}
const out = table(results)
writeFileSync(join(CACHE, "results.md"), `${out}\n`)
console.log(out)
const failed = results.filter(([v, r]) => v === pinned && COLUMNS.some((c) => !r[c]?.ok))
// Older releases may lack features; only the pinned one must pass everything.
process.exit(failed.length > 0 ? 1 : 0)
