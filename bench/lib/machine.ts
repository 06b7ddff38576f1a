import { spawnSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Machine } from "./report"

const ROOT = join(import.meta.dir, "../..")

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" })
  return (r.stdout || r.stderr || "").trim()
}

/** Other processes using CPU right now (measured over 2 s from /proc), not this bench: the machine is shared. */
export function busyProcesses(): string[] {
  const read = () => {
    const m = new Map<number, { ppid: number; ticks: number; comm: string }>()
    for (const name of readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue
      try {
        const stat = readFileSync(`/proc/${name}/stat`, "utf8")
        const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
        m.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), comm })
      } catch {
        // gone
      }
    }
    return m
  }
  const a = read()
  Bun.sleepSync(2000)
  const b = read()
  const mine = new Set<number>([process.pid])
  for (let changed = true; changed; ) {
    changed = false
    for (const [pid, p] of b) {
      if (mine.has(pid) || !mine.has(p.ppid)) continue
      mine.add(pid)
      changed = true
    }
  }
  const out: string[] = []
  for (const [pid, p] of b) {
    const before = a.get(pid)
    if (!before || mine.has(pid)) continue
    const pct = (p.ticks - before.ticks) / 2 // clock ticks are 1/100 s
    if (pct >= 10) out.push(`${p.comm} (pid ${pid}, ${pct.toFixed(0)}% CPU)`)
  }
  return out
}

/** The machine the bench ran on, for RESULTS.md: cores, memory, kernel, versions, load, busy processes. */
export function machine(): Machine {
  return {
    nproc: sh("nproc", []),
    free: sh("free", ["-h"]),
    uname: sh("uname", ["-a"]),
    bun: Bun.version,
    opencode: sh(join(ROOT, "node_modules/.bin/opencode"), ["--version"]),
    plugin: JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version,
    loadavg: readFileSync("/proc/loadavg", "utf8").trim(),
    busy: busyProcesses(),
  }
}
