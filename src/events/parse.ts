/**
 * Defensive event parsing. OpenCode 1.18 sends fields the SDK's v1 types do not
 * declare (message.part.delta, a top-level properties.sessionID), so payloads are
 * read as unknown and narrowed field by field. Nothing here throws.
 */
export type Json = Record<string, unknown>

export interface ParsedEvent {
  type: string
  /** the session the event is about, from wherever this event type carries it */
  sessionID: string | undefined
  props: Json
}

export function isRecord(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x)
}

export function str(x: unknown): string | undefined {
  return typeof x === "string" ? x : undefined
}

export function num(x: unknown): number | undefined {
  return typeof x === "number" && Number.isFinite(x) ? x : undefined
}

export function rec(x: unknown): Json | undefined {
  return isRecord(x) ? x : undefined
}

/** Unwraps `{ event }` (the plugin hook's input) or a bare event; undefined if malformed. */
export function parseEvent(raw: unknown): ParsedEvent | undefined {
  const outer = rec(raw)
  if (!outer) return undefined
  const event = rec(outer.event) ?? outer
  const type = str(event.type)
  if (!type) return undefined
  const props = rec(event.properties) ?? {}
  return { type, sessionID: sessionOf(type, props), props }
}

function sessionOf(type: string, props: Json): string | undefined {
  const direct = str(props.sessionID)
  if (direct) return direct
  const info = rec(props.info)
  const part = rec(props.part)
  if (info) {
    // session.created/updated/deleted carry the session itself as info
    if (type.startsWith("session.")) return str(info.id)
    return str(info.sessionID)
  }
  if (part) return str(part.sessionID)
  return undefined
}
