/** Reading results out of a finished run: what the model received, what the events said. */
import type { E2EEvent } from "./events"
import type { OpencodeHandle } from "./harness"

/**
 * The first `longrun_status` report in JSON form that reached the model as a tool
 * result (its `clientCalls` key marks it), parsed; undefined if none did.
 */
export function longrunReport(oc: Pick<OpencodeHandle, "model">): any {
  const json = oc.model.requests.flatMap((r) => r.toolResults).find((t) => t.content.includes('"clientCalls"'))
  return json ? JSON.parse(json.content) : undefined
}

/** Assistant `message.updated` infos of a session (last update of each message wins). */
export function assistantMessages(events: E2EEvent[], sessionID?: string): any[] {
  const byId = new Map<string, any>()
  for (const e of events) {
    if (e.type !== "message.updated") continue
    const info = e.properties?.info
    if (info?.role !== "assistant") continue
    if (sessionID && info.sessionID !== sessionID) continue
    byId.set(info.id, info)
  }
  return [...byId.values()]
}
