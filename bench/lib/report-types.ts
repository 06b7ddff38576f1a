/** The shape of a whole bench run's results, as the workers return them. */
import type { BaselineSample } from "../workers/baseline"
import type { Checkpoint, SegmentStats } from "../workers/event-path"
import type { RssRun } from "../workers/opencode"
import type { IdleResults } from "./report-idle"
import type { StreamSpec, StreamStats } from "./session-gen"

export interface Machine {
  nproc: string
  free: string
  uname: string
  bun: string
  opencode: string
  plugin: string
  loadavg: string
  busy: string[]
}

export interface EventPathRun {
  spec: StreamSpec
  described: string
  stats: StreamStats
  emptyPluginHeap: number
  checkpoints: Checkpoint[]
  total: SegmentStats
  clientCalls: Record<string, number>
  pluginSaw?: {
    toolOutputBytes: number
    diffBodyBytes: number
    textBytes: number
    largestPayloads: Array<{ kind: string; label: string; bytes: number }>
  }
  hooksLoaded: string[]
}

export interface BaselineRun {
  spec: StreamSpec
  described: string
  samples: BaselineSample[]
  wallMs: number
  oursClientCalls: Record<string, number>
  baselineClientCalls: Record<string, number>
}

export interface SessionsRun {
  sessions: number
  messagesPerSession: number
  options: Record<string, unknown>
  feedMs: number
  waitedForSweepMs: number
  emptyPlugin: number
  afterSessions: number
  afterSweep: number
  residualSplit: { code: number; data: number }
  entries: { afterSessions: number; afterSweep: number; messageRecordsAfterSessions: number }
  storeStats: { afterSessions: Record<string, number>; afterSweep: Record<string, number> }
  attributed: { afterSessions: number; afterSweep: number }
  cachesAfterSweep: Array<{ name: string; entries: number; bytes: number }>
}

export interface BenchResults {
  quick: boolean
  started: string
  command: string
  durationMs: number
  machineBefore: Machine
  machineAfter: Machine
  timings: Record<string, number>
  /** other processes seen using CPU at the start of each part */
  busyDuring: Record<string, string[]>
  eventPath: EventPathRun[]
  baseline: BaselineRun[]
  sessions: Array<{ name: string; runs: SessionsRun[] }>
  watchdog: { available: boolean; reason?: string; file?: string; exportName?: string; result?: unknown }
  opencode?: { args: Record<string, unknown>; runs: RssRun[]; omoInstallMs?: number; omoEntry?: string }
  idle?: IdleResults
}
