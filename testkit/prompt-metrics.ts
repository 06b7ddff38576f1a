/** Metrics over the requests the scripted model received: OpenAI message lists, Anthropic prefixes. */

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

/** A JSON value with every `cache_control` key removed, at any depth. */
export function withoutCacheMarks(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutCacheMarks)
  if (typeof v !== "object" || v === null) return v
  return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (k === "cache_control" ? [] : [[k, withoutCacheMarks(x)]])))
}

export interface AnthropicPrefixChange {
  /** Parts of the previous request resent with other content (cache marks aside): "tools", "system", "messages[3]". */
  changed: string[]
  /** Parts resent with the same content whose bytes differ only in cache_control marks. */
  marksOnly: string[]
  /** Messages of the previous request missing from this one. */
  dropped: number
}

/** How an Anthropic Messages body resends the previous one: what changed, what only moved its marks. */
export function anthropicPrefixChange(prev: any, cur: any): AnthropicPrefixChange {
  const out: AnthropicPrefixChange = { changed: [], marksOnly: [], dropped: 0 }
  const compare = (name: string, a: unknown, b: unknown) => {
    if (JSON.stringify(withoutCacheMarks(a)) !== JSON.stringify(withoutCacheMarks(b))) out.changed.push(name)
    else if (JSON.stringify(a) !== JSON.stringify(b)) out.marksOnly.push(name)
  }
  compare("tools", prev?.tools, cur?.tools)
  compare("system", prev?.system, cur?.system)
  const pm: unknown[] = Array.isArray(prev?.messages) ? prev.messages : []
  const cm: unknown[] = Array.isArray(cur?.messages) ? cur.messages : []
  pm.forEach((m, i) => {
    if (i >= cm.length) out.dropped++
    else compare(`messages[${i}]`, m, cm[i])
  })
  return out
}
