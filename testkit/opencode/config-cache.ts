/**
 * Persistent cache of $XDG_CONFIG_HOME/opencode: OpenCode installs `@opencode-ai/plugin`
 * (~60 MB with its dependencies) there the first time it sees a config dir. One run
 * installs it and saves it here; later runs copy it in.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { CACHE_ROOT, opencodeVersion, REPO_ROOT } from "./config"
import { run } from "./processes"

const CONFIG_CACHE = join(CACHE_ROOT, `config-opencode-${opencodeVersion()}`)
const CACHE_LOCK = `${CONFIG_CACHE}.lock`
const READY_MARKER = ".e2e-cache-ready"
const LOCK_STALE_MS = 10 * 60_000

function cacheReady(): boolean {
  return existsSync(join(CONFIG_CACHE, READY_MARKER))
}

export function installComplete(configOpencodeDir: string): boolean {
  return (
    existsSync(join(configOpencodeDir, "node_modules/@opencode-ai/plugin/package.json")) &&
    // npm writes package-lock.json (1.14 on); older releases install with Bun (bun.lock).
    (existsSync(join(configOpencodeDir, "package-lock.json")) || existsSync(join(configOpencodeDir, "bun.lock")))
  )
}

function tryLock(): boolean {
  mkdirSync(CACHE_ROOT, { recursive: true })
  try {
    mkdirSync(CACHE_LOCK)
    return true
  } catch {
    try {
      if (Date.now() - statSync(CACHE_LOCK).mtimeMs > LOCK_STALE_MS) {
        rmSync(CACHE_LOCK, { recursive: true, force: true })
        mkdirSync(CACHE_LOCK)
        return true
      }
    } catch {
      // someone else got it
    }
    return false
  }
}

export function unlock() {
  rmSync(CACHE_LOCK, { recursive: true, force: true })
}

/**
 * Seeds `$XDG_CONFIG_HOME/opencode` from the cache. Returns whether it did, and whether
 * this run holds the lock (and so should save its install into the cache).
 */
export async function seedConfigDir(target: string): Promise<{ usedCache: boolean; ownsLock: boolean }> {
  if (cacheReady()) {
    run(["cp", "-a", CONFIG_CACHE, target], REPO_ROOT)
    return { usedCache: true, ownsLock: false }
  }
  if (tryLock()) return { usedCache: false, ownsLock: true }
  // Another run is installing: wait for it (bounded), then use its result.
  const deadline = Date.now() + 180_000
  while (Date.now() < deadline && existsSync(CACHE_LOCK) && !cacheReady()) await Bun.sleep(500)
  if (cacheReady()) {
    run(["cp", "-a", CONFIG_CACHE, target], REPO_ROOT)
    return { usedCache: true, ownsLock: false }
  }
  return { usedCache: false, ownsLock: tryLock() }
}

export function saveConfigDir(source: string): boolean {
  if (cacheReady() || !installComplete(source)) return false
  const tmp = `${CONFIG_CACHE}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`
  try {
    run(["cp", "-a", source, tmp], REPO_ROOT)
    writeFileSync(join(tmp, READY_MARKER), `${new Date().toISOString()} opencode ${opencodeVersion()}\n`)
    renameSync(tmp, CONFIG_CACHE)
    return true
  } catch {
    rmSync(tmp, { recursive: true, force: true })
    return false
  }
}
