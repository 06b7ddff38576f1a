/**
 * The session as OpenCode's server stores it: each message's latest info and the
 * latest version of each of its parts, in creation order. Built from the same event
 * stream the plugin sees, so the baseline reads exactly the history the plugin was fed.
 * Payload strings are shared with the events, not copied.
 */
export class SessionHistory {
  private readonly messages = new Map<string, { info: Record<string, unknown>; parts: Map<string, Record<string, unknown>> }>()

  apply(event: { type: string; properties: Record<string, unknown> }): void {
    const p = event.properties
    if (event.type === "message.updated") {
      const info = p.info as Record<string, unknown>
      const id = info.id as string
      const found = this.messages.get(id)
      if (found) found.info = info
      else this.messages.set(id, { info, parts: new Map() })
    } else if (event.type === "message.part.updated") {
      const part = p.part as Record<string, unknown>
      const msg = this.messages.get(part.messageID as string)
      msg?.parts.set(part.id as string, part)
    }
    // Deltas only stream text that the final part update carries in full.
  }

  get size(): number {
    return this.messages.size
  }

  /** What GET /session/:id/message returns: [{ info, parts }], oldest first. */
  list(): Array<{ info: unknown; parts: unknown[] }> {
    const out: Array<{ info: unknown; parts: unknown[] }> = []
    for (const m of this.messages.values()) out.push({ info: m.info, parts: [...m.parts.values()] })
    return out
  }
}
