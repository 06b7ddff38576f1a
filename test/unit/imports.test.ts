import { describe, expect, test } from "bun:test"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const ROOT = resolve(import.meta.dir, "../..")

function files(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...files(p))
    else if (/\.tsx?$/.test(name)) out.push(p)
  }
  return out
}

/** Relative imports of a file, resolved to files under the repository. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8")
  const out: string[] = []
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^"']*?from\s+["'](\.[^"']+)["']/g)) {
    const base = resolve(dirname(file), m[1]!)
    const found = [".ts", ".tsx", "/index.ts", "/index.tsx", ""]
      .map((ext) => base + ext)
      .find((p) => {
        try {
          return statSync(p).isFile()
        } catch {
          return false
        }
      })
    if (found) out.push(found)
  }
  return out
}

/**
 * The layers of src/, lowest first (see shared DESIGN.md): an import may point to its
 * own layer or a lower one, never up.
 */
function layer(file: string): number {
  const p = relative(join(ROOT, "src"), file)
  if (
    /^(events|runtime|options|sidebar)\//.test(p) ||
    /^status\/(types|format)\.ts$/.test(p) ||
    /^cache\/(facts|host)\.ts$/.test(p) ||
    // the journal's file format and its section types
    /^journal\/(format|sections|sections-extra|read|types)\.ts$/.test(p)
  )
    return 0
  // The bill (prices, the cost model), the session store and the journal: services hooks use.
  if (p.startsWith("cache/") || p.startsWith("bill/") || p.startsWith("journal/")) return 1
  if (p === "router.ts" || p === "host-config.ts" || p.startsWith("status/")) return 2
  if (p === "hooks/registry.ts") return 4
  if (p.startsWith("hooks/")) return 3
  return 4 // entries: plugin.ts, index.ts, tui/
}

describe("import graph", () => {
  const src = files(join(ROOT, "src"))
  const graph = new Map(src.map((f) => [f, importsOf(f)]))

  test("no import cycle in src/, bench/, testkit/ or demo/ (type imports included)", () => {
    const all = ["src", "bench", "testkit", "demo"].flatMap((d) => files(join(ROOT, d)))
    const edges = new Map(all.map((f) => [f, importsOf(f)]))
    const cycles: string[] = []
    const state = new Map<string, "open" | "done">()
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === "done") return
      if (state.get(f) === "open") {
        cycles.push([...path.slice(path.indexOf(f)), f].map((x) => relative(ROOT, x)).join(" -> "))
        return
      }
      state.set(f, "open")
      for (const to of edges.get(f) ?? []) visit(to, [...path, f])
      state.set(f, "done")
    }
    for (const f of all) visit(f, [])
    expect(cycles).toEqual([])
  })

  test("imports point down the layers; a hook never imports another hook", () => {
    const bad: string[] = []
    for (const [from, tos] of graph) {
      for (const to of tos) {
        const a = relative(ROOT, from)
        const b = relative(ROOT, to)
        if (layer(to) > layer(from)) bad.push(`${a} -> ${b} (up)`)
        const hookA = a.match(/^src\/hooks\/([^/]+)\//)?.[1]
        const hookB = b.match(/^src\/hooks\/([^/]+)\//)?.[1]
        if (hookA && hookB && hookA !== hookB) bad.push(`${a} -> ${b} (another hook)`)
      }
    }
    expect(bad).toEqual([])
  })

  test("the store's modules (src/cache/) import nothing from the status report (src/status/)", () => {
    const bad: string[] = []
    for (const [from, tos] of graph) {
      const a = relative(ROOT, from)
      if (!a.startsWith("src/cache/")) continue
      for (const to of tos) if (relative(ROOT, to).startsWith("src/status/")) bad.push(`${a} -> ${relative(ROOT, to)}`)
    }
    expect(bad).toEqual([])
  })

  test("nothing outside test/ imports from test/", () => {
    const outside = ["src", "demo", "bench", "testkit", "scripts"].flatMap((d) => {
      try {
        return files(join(ROOT, d))
      } catch {
        return []
      }
    })
    const bad = outside.flatMap((f) =>
      importsOf(f)
        .filter((to) => relative(ROOT, to).startsWith("test/"))
        .map((to) => `${relative(ROOT, f)} -> ${relative(ROOT, to)}`),
    )
    expect(bad).toEqual([])
  })
})
