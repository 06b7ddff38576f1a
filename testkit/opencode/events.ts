/** OpenCode's `/event` stream as the harness records it, and waiting for an event in it. */
import type { OpencodeClient } from "@opencode-ai/sdk"
import { tail } from "./processes"

/** An event as it arrives over `/event`. Looser than the SDK's `Event` union, which misses some real types. */
export interface E2EEvent {
  id?: string
  type: string
  properties: any
  /** ms since epoch when the harness received it */
  receivedAt: number
}

export interface EventStream {
  /** Every event received so far, in order. */
  events: E2EEvent[]
  /** First event (at index >= since, default 0) matching the predicate. */
  waitForEvent(predicate: (e: E2EEvent) => boolean, timeoutMs?: number, since?: number): Promise<E2EEvent>
}

/** What a timeout message reports about the server besides the events. */
export interface StreamDiagnostics {
  stopped(): boolean
  exitInfo(): string
  logText(): string
}

/** Subscribes to `/event` and records every event until OpenCode goes away. */
export async function recordEvents(client: OpencodeClient, diag: StreamDiagnostics): Promise<EventStream> {
  const events: E2EEvent[] = []
  const waiters = new Set<() => void>()
  const notify = () => {
    for (const w of [...waiters]) w()
  }
  let streamError: unknown
  // No abort signal: the SDK's SSE reader turns an abort into an unhandled rejection
  // (`void reader.cancel()`). The stream ends when stop() kills OpenCode instead, and
  // sseMaxRetryAttempts: 1 keeps it from reconnecting after that.
  const sub = await client.event.subscribe({
    sseMaxRetryAttempts: 1,
    onSseError: (e) => {
      if (!diag.stopped()) streamError = e
    },
  })
  ;(async () => {
    try {
      for await (const ev of sub.stream as AsyncIterable<any>) {
        if (!ev || typeof ev !== "object" || typeof ev.type !== "string") continue
        events.push({ ...ev, receivedAt: Date.now() })
        notify()
      }
    } catch (e) {
      if (!diag.stopped()) streamError = e
    }
  })()

  const waitForEvent = (predicate: (e: E2EEvent) => boolean, timeoutMs = 30_000, since = 0): Promise<E2EEvent> => {
    let scanned = since
    const scan = () => {
      for (; scanned < events.length; scanned++) if (predicate(events[scanned]!)) return events[scanned]!
      return undefined
    }
    const found = scan()
    if (found) return Promise.resolve(found)
    return new Promise((res, rej) => {
      const w = () => {
        const e = scan()
        if (e) {
          clearTimeout(timer)
          waiters.delete(w)
          res(e)
        }
      }
      const timer = setTimeout(() => {
        waiters.delete(w)
        const recent = events
          .slice(-15)
          .map((e) => `  ${e.type} ${JSON.stringify(e.properties).slice(0, 160)}`)
          .join("\n")
        rej(
          new Error(
            `waitForEvent timed out after ${timeoutMs} ms (${events.length} events` +
              `${streamError ? `, stream error: ${String(streamError)}` : ""}${diag.exitInfo() ? `, ${diag.exitInfo()}` : ""})\n` +
              `--- last events ---\n${recent}\n--- opencode log tail ---\n${tail(diag.logText(), 40)}`,
          ),
        )
      }, timeoutMs)
      waiters.add(w)
    })
  }

  return { events, waitForEvent }
}

export function sessionOf(e: E2EEvent): string | undefined {
  const p = e.properties
  if (!p || typeof p !== "object") return undefined
  return p.sessionID ?? p.info?.sessionID ?? p.part?.sessionID
}
