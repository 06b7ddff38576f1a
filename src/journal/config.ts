/** The journal's settings, what it is given, and one session's record in memory. */
import type { SessionStore } from "../cache/session-store"
import type { Clock } from "../runtime/clock"
import type { Logger } from "../runtime/log"
import type { TimerOwner } from "../runtime/timers"
import type { WriterInfo } from "./format"
import type { SectionName, Sections } from "./types"

export interface JournalConfig {
  enabled: boolean
  root: string
  project: string
  writeDelayMs: number
  ttlMs: number
  maxSessions: number
  maxSessionBytes: number
}

export interface JournalDeps {
  clock: Clock
  timers: TimerOwner
  store: SessionStore
  logger: Logger
  /** tests: another process's identity, and who is alive */
  owner?: WriterInfo
  alive?: (owner: Partial<WriterInfo> & Pick<WriterInfo, "id" | "pid">) => boolean
}

export interface Record_ {
  id: string
  sections: Partial<Sections>
  /** large sections whose writer said they changed: taken at the next write */
  lazy: Map<SectionName, () => unknown>
  /** small sections as last set, in canonical JSON: an equal value changes nothing */
  compare: Map<SectionName, string>
  /** the JSON of the main file's sections, and of the prune file's, as this instance last wrote them (or took them over) */
  lastMain: string | undefined
  lastPrune: string | undefined
  /** "unknown": this instance's prune file exists but is not read yet (left alone by writes until it is) */
  prune: "loaded" | "unknown"
  dirty: boolean
  /** its sections were handed back to the hooks */
  restored: boolean
  /** the store dropped the session: the record goes once written */
  detached: boolean
  /** files taken over for this session, removed once this instance's file holds them */
  claims: string[]
}
