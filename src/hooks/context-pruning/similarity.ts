/**
 * A small fingerprint of an output's lines (a MinHash of 16 numbers), so two runs of the
 * same command can be told nearly identical without keeping either output: the share of
 * equal numbers estimates the share of lines the two have in common.
 */
const K = 16
const MAX_LINES = 4_000

function lineHash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

const SEEDS = Array.from({ length: K }, (_, i) => (Math.imul(i + 1, 0x9e3779b1) ^ 0x85ebca6b) >>> 0)

function mix(h: number, seed: number): number {
  let x = (h ^ seed) >>> 0
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b)
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35)
  return (x ^ (x >>> 16)) >>> 0
}

export function fingerprint(text: string): number[] {
  const mins = new Array<number>(K).fill(0xffffffff)
  const lines = text.split("\n", MAX_LINES)
  for (const line of lines) {
    const t = line.trim()
    if (!t) continue
    const h = lineHash(t)
    for (let k = 0; k < K; k++) {
      const v = mix(h, SEEDS[k]!)
      if (v < mins[k]!) mins[k] = v
    }
  }
  return mins
}

export function similarity(a: readonly number[], b: readonly number[]): number {
  let same = 0
  for (let k = 0; k < K; k++) if (a[k] === b[k]) same++
  return same / K
}
