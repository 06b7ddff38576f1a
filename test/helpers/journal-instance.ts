/** One plugin instance's journal on a shared temporary folder, with fake time: for the journal's unit tests. */
import { afterEach } from "bun:test"
import { mkdtempSync, readdirSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { SessionStore } from "../../src/cache/session-store"
import { Journal, type JournalConfig } from "../../src/journal"
import { unregisterOwner } from "../../src/journal/owner"
import type { ContinuationRecord, Sections } from "../../src/journal/types"
import { Logger } from "../../src/runtime/log"
import { TimerOwner } from "../../src/runtime/timers"
import { fakeClient } from "../../testkit/fake-client"
import { fakeClock } from "../../testkit/fake-clock"

export const WEEK = 7 * 86_400_000
const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})
export const tempRoot = () => {
  const d = mkdtempSync(join(tmpdir(), "journal-test-"))
  dirs.push(d)
  return d
}

export const stopped = (by: ContinuationRecord["stopped"] = "user", sent = 0): ContinuationRecord => ({
  stopped: by,
  aborted: false,
  withoutProgress: 0,
  closed: -1,
  failures: 0,
  notBefore: 0,
  sent,
})

/** One plugin instance's journal: its own store, clock and timers, on a shared folder. */
export function instance(root: string, config: Partial<JournalConfig> = {}, start = 1_700_000_000_000, storeMax = 100) {
  const clock = fakeClock(start)
  const fake = fakeClient()
  const logger = new Logger(fake.client as never, { errorIntervalMs: 0, now: clock.now })
  const store = new SessionStore({
    ttlMs: 60_000,
    maxSessions: storeMax,
    messageCap: 10,
    messageCapHysteresis: 5,
    clock: clock.clock,
  })
  const timers = new TimerOwner(clock.clock)
  const journal = new Journal(
    {
      enabled: true,
      root,
      project: "proj",
      writeDelayMs: 1000,
      ttlMs: WEEK,
      maxSessions: 50,
      maxSessionBytes: 64 * 1024,
      ...config,
    },
    { clock: clock.clock, timers, store, logger },
  )
  const restored: Array<[string, string, unknown]> = []
  const writers = {
    continuation: journal.writer("continuation", (e, v) => restored.push([e.id, "continuation", v])),
    tasks: journal.writer("tasks", (e, v) => restored.push([e.id, "tasks", v])),
    pruning: journal.writer("pruning", (e, v) => restored.push([e.id, "pruning", v])),
  }
  /** Lets the write timer fire and the write finish. */
  const settle = async (ms = 1000) => {
    await clock.advance(ms)
    await journal.flush()
  }
  /** The process dies: nothing more is written, and its files are free to be taken over. */
  const crash = () => {
    timers.clearAll()
    unregisterOwner(journal.owner.id)
  }
  const files = () => readdirSync(journal.dir).sort()
  const warnings = () => fake.logs().filter((l) => l.level === "warn")
  return { clock, fake, store, timers, journal, writers, restored, settle, crash, files, warnings }
}

export const task = (id: string, status: Sections["tasks"][number]["status"] = "running"): Sections["tasks"][number] => ({
  id,
  childID: "ses_child",
  description: id,
  agent: "general",
  providerID: "p",
  modelID: "m",
  status,
  createdAt: 1,
  startedAt: 1,
  lastActivityAt: 1,
  told: false,
  toolCalls: 0,
  tokens: { input: 0, output: 0 },
  resumes: 0,
})
