/** Sums replay results per mode, view and configuration, and renders them. */
import type { SessionResult } from "./replay-session"

export interface Row {
  mode: string
  view: string
  config: string
  sessions: number
  requests: number
  chars: number
  cacheRead: number
  cacheWrite: number
  busts: number
  dollars: number
  /** against no plugin, same mode and view */
  billRatio: number
  charsRatio: number
  worstRatio: number
  worstSession: string
  dearer: number
  problems: number
  threw: number
  transformMs: number
}

export function summarize(results: SessionResult[]): Row[] {
  const key = (r: SessionResult) => `${r.mode}|${r.view}`
  const base = new Map<string, SessionResult>()
  for (const r of results) if (r.config === "no plugin") base.set(`${key(r)}|${r.session}`, r)
  const groups = new Map<string, SessionResult[]>()
  for (const r of results) {
    const k = `${key(r)}|${r.config}`
    groups.set(k, [...(groups.get(k) ?? []), r])
  }
  const rows: Row[] = []
  for (const [k, rs] of groups) {
    const [mode, view, config] = k.split("|") as [string, string, string]
    const sum = (f: (r: SessionResult) => number) => rs.reduce((n, r) => n + f(r), 0)
    const bases = rs.map((r) => base.get(`${key(r)}|${r.session}`)!)
    let worstRatio = 0
    let worstSession = ""
    let dearer = 0
    rs.forEach((r, i) => {
      const ratio = r.dollars / bases[i]!.dollars
      if (ratio > worstRatio) {
        worstRatio = ratio
        worstSession = r.session
      }
      if (ratio > 1.02) dearer++
    })
    rows.push({
      mode,
      view,
      config,
      sessions: rs.length,
      requests: sum((r) => r.requests),
      chars: sum((r) => r.chars),
      cacheRead: sum((r) => r.cacheRead),
      cacheWrite: sum((r) => r.cacheWrite),
      busts: sum((r) => r.busts),
      dollars: sum((r) => r.dollars),
      billRatio: sum((r) => r.dollars) / bases.reduce((n, b) => n + b.dollars, 0),
      charsRatio: sum((r) => r.chars) / bases.reduce((n, b) => n + b.chars, 0),
      worstRatio,
      worstSession,
      dearer,
      problems: sum((r) => r.problems.length),
      threw: sum((r) => r.threw),
      transformMs: sum((r) => r.transformMs),
    })
  }
  return rows
}

const f3 = (x: number) => x.toFixed(3)
const usd = (x: number) => `$${x.toFixed(2)}`
const mtok = (x: number) => `${(x / 1e6).toFixed(2)} M`

export function renderReplay(rows: Row[], meta: { dir: string; sessions: number; seconds: number }): string {
  const head =
    "| way of running | cache, prices | config | bill | vs no plugin | chars vs no plugin | worst session | sessions > 1.02 | cache reads | cache writes | busts | invariant problems |"
  const sep = "|---|---|---|---|---|---|---|---|---|---|---|---|"
  const lines = rows.map(
    (r) =>
      `| ${r.mode} | ${r.view} | ${r.config} | ${usd(r.dollars)} | ${f3(r.billRatio)} | ${f3(r.charsRatio)} | ${f3(r.worstRatio)} | ${r.dearer} | ${mtok(r.cacheRead)} | ${mtok(r.cacheWrite)} | ${r.busts} | ${r.problems + r.threw} |`,
  )
  return [`${meta.sessions} sessions from ${meta.dir}, ${meta.seconds.toFixed(0)} s`, "", head, sep, ...lines].join("\n")
}
