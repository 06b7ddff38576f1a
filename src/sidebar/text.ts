/**
 * Text on its way to the terminal. Descriptions come from the model, so they are made
 * one harmless line (no escape sequence, no control character, no line break or bidi
 * override), and widths are counted in terminal columns: a CJK character or an emoji
 * takes two, a combining mark none. A leaf: no imports.
 */

// CSI and OSC sequences, then any other escape: removed whole, so no "[31m" is left behind.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const ESCAPES = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-_])?|\u009b[0-?]*[ -/]*[@-~]/g
// C0, DEL, C1, line and paragraph separators, bidi marks and overrides
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g

/** One line with nothing a terminal would act on: each run of controls becomes one space. */
export function oneLine(s: string): string {
  return s.replace(ESCAPES, "").replace(CONTROLS, " ")
}

const segmenter = typeof Intl !== "undefined" && "Segmenter" in Intl ? new Intl.Segmenter() : undefined

function graphemes(s: string): string[] {
  return segmenter ? Array.from(segmenter.segment(s), (g) => g.segment) : Array.from(s)
}

const bunWidth = (globalThis as { Bun?: { stringWidth?: (s: string) => number } }).Bun?.stringWidth

/** Terminal columns of one code point, for runtimes without Bun.stringWidth. */
function codePointWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0
  const wide =
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  return wide ? 2 : 1
}

/** Terminal columns the text takes. */
export function columns(s: string): number {
  if (bunWidth) return bunWidth(s)
  let n = 0
  for (const g of graphemes(s)) n += Math.min(2, codePointWidth(g.codePointAt(0) ?? 0))
  return n
}

/** The text cut to `width` columns, with "…" when something was cut. */
export function fitColumns(s: string, width: number): string {
  if (columns(s) <= width) return s
  let out = ""
  let used = 0
  for (const g of graphemes(s)) {
    const w = columns(g)
    if (used + w > width - 1) break
    out += g
    used += w
  }
  return `${out}…`
}

/** The text padded with spaces to `width` columns. */
export function padColumns(s: string, width: number): string {
  const n = columns(s)
  return n >= width ? s : s + " ".repeat(width - n)
}
