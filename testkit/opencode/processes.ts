/** Child processes of the harness: commands, the environment OpenCode gets, killing its whole tree. */
import { spawnSync, type ChildProcess } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"

export function run(cmd: string[], cwd: string) {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd, encoding: "utf8" })
  if (r.status !== 0) throw new Error(`${cmd.join(" ")} failed (${r.status}): ${r.stderr || r.stdout}`)
}

export function cleanEnv(extra: Record<string, string> | undefined, dirs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue
    // Don't let an outer OpenCode session or real provider keys leak into the run.
    if (k.startsWith("OPENCODE_") || /_API_KEY$/.test(k) || k.startsWith("XDG_")) continue
    env[k] = v
  }
  return {
    ...env,
    ...dirs,
    OPENCODE_DISABLE_AUTOUPDATE: "true",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "true",
    OPENCODE_DISABLE_MODELS_FETCH: "true",
    OPENCODE_DISABLE_CLAUDE_CODE: "true",
    OPENCODE_DISABLE_SHARE: "true",
    ...extra,
  }
}

// Live OpenCode processes, killed synchronously if the test process exits without stop()
// (a timed-out beforeAll, an uncaught error): they are detached, so nothing else would.
const live = new Set<number>()
let exitHookInstalled = false
export function trackProcess(pid: number) {
  live.add(pid)
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.once("exit", () => {
    for (const p of live) signalAll(p, [p, ...descendants(p)], "SIGKILL")
  })
}

export function untrackProcess(pid: number) {
  live.delete(pid)
}

/** Stops a detached OpenCode and every process it started: SIGTERM, then SIGKILL after 3 s. */
export async function killTree(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) return
  const pid = proc.pid
  // OpenCode starts tool processes (bash) in their own process groups, so killing
  // OpenCode's group is not enough: collect every descendant first (they get
  // reparented once OpenCode exits), then signal them by pid.
  const tree = [pid, ...descendants(pid)]
  const exited = new Promise<void>((r) => proc.once("exit", () => r()))
  signalAll(pid, tree, "SIGTERM")
  const done = await Promise.race([exited.then(() => true), Bun.sleep(3000).then(() => false)])
  signalAll(pid, [...tree, ...descendants(pid)], "SIGKILL")
  if (!done) await Promise.race([exited, Bun.sleep(2000)])
  live.delete(pid)
}

/** SIGKILL to OpenCode and every process it started, at once: a crash, with no chance to clean up. */
export async function killNow(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null || !proc.pid) return
  const pid = proc.pid
  const exited = new Promise<void>((r) => proc.once("exit", () => r()))
  signalAll(pid, [pid, ...descendants(pid)], "SIGKILL")
  await Promise.race([exited, Bun.sleep(5000)])
  live.delete(pid)
}

/** Pids of all live descendants of `root` (Linux /proc). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>()
  let entries: string[] = []
  try {
    entries = readdirSync("/proc")
  } catch {
    return []
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8")
      // pid (comm) state ppid ...: comm may contain spaces, so parse after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      const list = children.get(ppid) ?? []
      list.push(Number(name))
      children.set(ppid, list)
    } catch {
      // process went away
    }
  }
  const out: number[] = []
  const stack = [root]
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) {
      out.push(c)
      stack.push(c)
    }
  }
  return out
}

function signalAll(groupLeader: number, pids: number[], signal: NodeJS.Signals) {
  try {
    process.kill(-groupLeader, signal)
  } catch {
    // group already gone
  }
  for (const p of pids) {
    try {
      process.kill(p, signal)
    } catch {
      // already gone
    }
  }
}

export function tail(text: string, lines: number): string {
  const all = text.split("\n")
  return all.slice(-lines).join("\n")
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: () => string, log: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const t = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`${what()}\n--- opencode log tail ---\n${tail(log(), 40)}`)), ms)
  })
  try {
    return await Promise.race([p, t])
  } finally {
    clearTimeout(timer)
  }
}
