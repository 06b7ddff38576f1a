/** bench/bill.svg: the bill of each configuration against no plugin's, per session and price table, as bars. */
import { type BillResult, billOf, runFor, sessionOf, TABLES } from "./bills"

const COLORS = ["#888888", "#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

export function renderChart(r: BillResult): string {
  const base = r.configs[0]!
  const others = r.configs.slice(1)
  const groups = r.sessions.flatMap((s) => TABLES.map((t) => ({ s: s.name, t })))
  const values = groups.map((g) => {
    const b = sessionOf(runFor(r, base, g.t.key), g.s)
    return others.map((c) => {
      const x = sessionOf(runFor(r, c, g.t.key), g.s)
      return b && x ? billOf(x, g.t) / billOf(b, g.t) : undefined
    })
  })
  const yMax = Math.max(1.2, Math.ceil(Math.max(...values.flat().filter((v): v is number => v !== undefined)) * 5) / 5)
  const W = 980
  const H = 480
  const m = { left: 60, right: 20, top: 60, bottom: 130 }
  const pw = W - m.left - m.right
  const ph = H - m.top - m.bottom
  const gw = pw / groups.length
  const bw = (gw * 0.8) / others.length
  const sy = (v: number) => m.top + ph - (v / yMax) * ph
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">The bill against no plugin's, real OpenCode ${esc(r.machine.opencode ?? "")}</text>`,
    `<text x="${W / 2}" y="42" text-anchor="middle" fill="#555">${esc(`1.0 = no plugin; lower is cheaper; ${r.started.slice(0, 10)}, bench/bill`)}</text>`,
  ]
  for (let v = 0; v <= yMax + 1e-9; v += 0.2) {
    const y = sy(v)
    out.push(
      `<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="${Math.abs(v - 1) < 1e-9 ? "#333" : "#ddd"}"/>`,
    )
    out.push(`<text x="${m.left - 6}" y="${y + 4}" text-anchor="end">${v.toFixed(1)}</text>`)
  }
  groups.forEach((g, gi) => {
    const x0 = m.left + gi * gw + gw * 0.1
    values[gi]!.forEach((v, ci) => {
      if (v === undefined) return
      const x = x0 + ci * bw
      out.push(
        `<rect x="${x.toFixed(1)}" y="${sy(v).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="${(sy(0) - sy(v)).toFixed(1)}" fill="${COLORS[ci + 1]}"><title>${esc(`${others[ci]}, ${g.s}, ${g.t.key}: ${v.toFixed(2)}`)}</title></rect>`,
      )
    })
    const cx = m.left + gi * gw + gw / 2
    out.push(`<text x="${cx}" y="${m.top + ph + 14}" text-anchor="middle">${esc(g.t.key)}</text>`)
    if (gi % TABLES.length === 0) {
      const sx = m.left + gi * gw + (gw * TABLES.length) / 2
      out.push(`<text x="${sx}" y="${m.top + ph + 32}" text-anchor="middle" font-weight="bold">${esc(g.s)}</text>`)
      if (gi > 0)
        out.push(`<line x1="${m.left + gi * gw}" y1="${m.top}" x2="${m.left + gi * gw}" y2="${m.top + ph + 36}" stroke="#bbb"/>`)
    }
  })
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`)
  others.forEach((c, ci) => {
    const lx = m.left + ci * 220
    const ly = H - 50
    out.push(`<rect x="${lx}" y="${ly - 10}" width="14" height="12" fill="${COLORS[ci + 1]}"/>`)
    out.push(`<text x="${lx + 20}" y="${ly}">${esc(c)}</text>`)
  })
  out.push(
    `<text x="${m.left}" y="${H - 22}" fill="#555">sonnet: 3 / 15, read 0.30, write 3.75; openai: 1.25 / 10, cached 0.125, no write premium; nocache: every prompt token at 3 (per M tokens)</text>`,
    "</svg>",
  )
  return `${out.join("\n")}\n`
}
