/**
 * Which sessions a status report may name. A model must never be shown another
 * session's ids, tasks or files (issue 20): its reports are scoped to its own session
 * and that session's descendants; only the user's `/longrun-status all` sees every one.
 */
import type { SessionEntry } from "../cache/session-entry"
import type { SessionStore } from "../cache/session-store"
import type { StatusScope } from "./types"

export { inScope, type StatusScope } from "./types"

/** The session and its descendants among the store's entries. */
export function sessionScope(store: SessionStore, sessionID: string): StatusScope {
  const sessions = new Set([sessionID])
  const entries = store.entries()
  // Each pass adds one generation; a cycle cannot loop because the set only grows.
  for (let grew = true; grew; ) {
    grew = false
    for (const e of entries) {
      if (e.parentID !== undefined && sessions.has(e.parentID) && !sessions.has(e.id)) {
        sessions.add(e.id)
        grew = true
      }
    }
  }
  return { sessionID, sessions }
}

/** The store's entries a report with this scope may name, most recently active first. */
export function entriesIn(store: SessionStore, scope: StatusScope | undefined): SessionEntry[] {
  const all = store.entries()
  return scope === undefined ? all : all.filter((e) => scope.sessions.has(e.id))
}
