/** Each session's bill against no plugin's, sorted, per way of running: a small SVG. */
import type { SessionResult } from "./replay-session"

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")

export function billChart(results: SessionResult[], view: string, title: string): string {
  const W = 860
  const H = 420
  const m = { left: 70, right: 200, top: 50, bottom: 50 }
  const pw = W - m.left - m.right
  const ph = H - m.top - m.bottom
  const ratio = (r: SessionResult) => {
    const base = results.find(
      (b) => b.config === "no plugin" && b.mode === r.mode && b.view === r.view && b.session === r.session,
    )
    return base && base.dollars > 0 ? r.dollars / base.dollars : 1
  }
  const series = (["autonomous", "interactive"] as const).map((mode, i) => ({
    mode,
    color: i === 0 ? "#1f77b4" : "#d62728",
    ys: results
      .filter((r) => r.config !== "no plugin" && r.mode === mode && r.view === view)
      .map(ratio)
      .sort((a, b) => a - b),
  }))
  const n = Math.max(1, ...series.map((s) => s.ys.length))
  const y0 = 0.5
  const y1 = 1.1
  const sx = (i: number) => m.left + (n <= 1 ? 0 : (i / (n - 1)) * pw)
  const sy = (y: number) => m.top + ph - ((Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0)) * ph
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.left}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`,
  ]
  for (let y = y0; y <= y1 + 1e-9; y += 0.1) {
    out.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${sy(y)}" y2="${sy(y)}" stroke="${Math.abs(y - 1) < 1e-9 ? "#333" : "#ddd"}"/>`,
    )
    out.push(`<text x="${m.left - 8}" y="${sy(y) + 4}" text-anchor="end">${y.toFixed(1)}</text>`)
  }
  out.push(
    `<text x="${m.left + pw / 2}" y="${H - 12}" text-anchor="middle">sessions, sorted by their bill against no plugin (1.0: the same)</text>`,
  )
  out.push(`<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">bill / no plugin's</text>`)
  series.forEach((s, k) => {
    const pts = s.ys.map((y, i) => `${sx(i).toFixed(1)},${sy(y).toFixed(1)}`)
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(" ")}"/>`)
    for (const p of pts) out.push(`<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="3" fill="${s.color}"/>`)
    const sum = s.ys.length ? s.ys.reduce((a, b) => a + b, 0) / s.ys.length : 0
    out.push(`<rect x="${m.left + pw + 20}" y="${m.top + k * 24}" width="14" height="3" fill="${s.color}"/>`)
    out.push(`<text x="${m.left + pw + 40}" y="${m.top + k * 24 + 5}">${s.mode} (mean ${sum.toFixed(3)})</text>`)
  })
  out.push("</svg>")
  return out.join("\n")
}
