/** Metrics over the requests the scripted model received (OpenAI chat format). */

export interface RequestView {
  /** JSON of each message, in order */
  messages: string[]
  /** characters of the whole request body */
  bodyChars: number
}

export function viewOf(body: { messages?: unknown[] }): RequestView {
  const messages = (Array.isArray(body?.messages) ? body.messages : []).map((m) => JSON.stringify(m))
  return { messages, bodyChars: JSON.stringify(body).length }
}

export interface PrefixStats {
  /** requests whose message list does not start with the whole previous request's list */
  breaks: number
  /** indexes (0-based) of those requests */
  breakAt: number[]
  /** characters of each request past its common prefix with the previous one (what a prompt cache would miss) */
  uncachedChars: number
}

/** Consecutive requests of one session: request k+1 should extend request k unchanged. */
export function prefixStats(requests: RequestView[]): PrefixStats {
  const out: PrefixStats = { breaks: 0, breakAt: [], uncachedChars: 0 }
  for (let k = 0; k < requests.length; k++) {
    const cur = requests[k]!.messages
    const prev = k > 0 ? requests[k - 1]!.messages : []
    let same = 0
    while (same < prev.length && same < cur.length && prev[same] === cur[same]) same++
    if (k > 0 && same < prev.length) {
      out.breaks++
      out.breakAt.push(k)
    }
    for (let i = same; i < cur.length; i++) out.uncachedChars += cur[i]!.length
  }
  return out
}

/** A stored message list reduced to what must not change, with the temp dir replaced. */
export function normalizeStored(messages: Array<{ info: any; parts: any[] }>, dir: string): unknown[] {
  const fix = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v).split(dir).join("<dir>")))
  return messages.map((m) => ({
    role: m.info?.role,
    parts: (m.parts ?? [])
      .filter((p) => p.type === "text" || p.type === "tool")
      .map((p) =>
        p.type === "text"
          ? { text: p.text }
          : {
              tool: p.tool,
              status: p.state?.status,
              input: fix(p.state?.input),
              output: fix(p.state?.output),
              error: fix(p.state?.error),
            },
      ),
  }))
}
