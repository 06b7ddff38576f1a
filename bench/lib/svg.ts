/** A small hand-written SVG line chart with log-scale axes. */

export interface Series {
  label: string
  color: string
  dashed?: boolean
  points: Array<[number, number]>
}

export interface ChartSpec {
  title: string
  subtitle?: string
  xLabel: string
  yLabel: string
  series: Series[]
  formatX: (v: number) => string
  formatY: (v: number) => string
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

export function logLogChart(spec: ChartSpec): string {
  const W = 860
  const H = 520
  const m = { left: 90, right: 30, top: 70, bottom: 150 }
  const pw = W - m.left - m.right
  const ph = H - m.top - m.bottom
  const pts = spec.series.flatMap((s) => s.points).filter(([x, y]) => x > 0 && y > 0)
  const xs = pts.map((p) => p[0])
  const ys = pts.map((p) => p[1])
  const x0 = Math.floor(Math.log10(Math.min(...xs)))
  const x1 = Math.ceil(Math.log10(Math.max(...xs)))
  const y0 = Math.floor(Math.log10(Math.min(...ys)))
  const y1 = Math.ceil(Math.log10(Math.max(...ys)))
  const sx = (x: number) => m.left + ((Math.log10(x) - x0) / Math.max(1, x1 - x0)) * pw
  const sy = (y: number) => m.top + ph - ((Math.log10(y) - y0) / Math.max(1, y1 - y0)) * ph
  const out: string[] = []
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  )
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  out.push(`<text x="${W / 2}" y="26" text-anchor="middle" font-size="16" font-weight="bold">${esc(spec.title)}</text>`)
  if (spec.subtitle) out.push(`<text x="${W / 2}" y="46" text-anchor="middle" fill="#555">${esc(spec.subtitle)}</text>`)
  // grid and ticks
  for (let e = x0; e <= x1; e++) {
    const x = sx(10 ** e)
    out.push(`<line x1="${x}" y1="${m.top}" x2="${x}" y2="${m.top + ph}" stroke="#ddd"/>`)
    out.push(`<text x="${x}" y="${m.top + ph + 18}" text-anchor="middle">${esc(spec.formatX(10 ** e))}</text>`)
  }
  for (let e = y0; e <= y1; e++) {
    const y = sy(10 ** e)
    out.push(`<line x1="${m.left}" y1="${y}" x2="${m.left + pw}" y2="${y}" stroke="#ddd"/>`)
    out.push(`<text x="${m.left - 8}" y="${y + 4}" text-anchor="end">${esc(spec.formatY(10 ** e))}</text>`)
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`)
  out.push(`<text x="${m.left + pw / 2}" y="${m.top + ph + 40}" text-anchor="middle">${esc(spec.xLabel)}</text>`)
  out.push(`<text transform="translate(22 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`)
  // series
  spec.series.forEach((s) => {
    const p = s.points.filter(([x, y]) => x > 0 && y > 0).sort((a, b) => a[0] - b[0])
    if (p.length === 0) return
    const d = p.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ` stroke-dasharray="7 5"` : ""}/>`)
    for (const [x, y] of p) out.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.5" fill="${s.color}"/>`)
  })
  // legend below the plot
  spec.series.forEach((s, i) => {
    const lx = m.left + (i % 2) * (pw / 2)
    const ly = m.top + ph + 68 + Math.floor(i / 2) * 22
    out.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 28}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.5"${s.dashed ? ` stroke-dasharray="7 5"` : ""}/>`,
    )
    out.push(`<text x="${lx + 36}" y="${ly}">${esc(s.label)}</text>`)
  })
  out.push(`</svg>`)
  return `${out.join("\n")}\n`
}
