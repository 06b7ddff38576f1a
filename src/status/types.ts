/** A cache held outside the session store, for memory attribution. */
export interface CacheReport {
  name: string
  entries: number
  bytes: number
}

/** A hook's part of the longrun_status report: structured data and its text form. */
export interface StatusSection {
  title: string
  data: unknown
  text: string
}

/**
 * Which sessions a report may name (see status/scope.ts); a hook's section shows only
 * rows for these. Undefined: every session (the user's `/longrun-status all`).
 */
export interface StatusScope {
  /** the session the report is for */
  sessionID: string
  /** it and every descendant the store knows (background children, their children) */
  sessions: ReadonlySet<string>
}

/** True when a report with this scope may name `id` (no scope: every session). */
export function inScope(scope: StatusScope | undefined, id: string | undefined): boolean {
  return scope === undefined || (id !== undefined && scope.sessions.has(id))
}
