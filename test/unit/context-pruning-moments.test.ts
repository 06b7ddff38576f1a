import { expect, test } from "bun:test"
import { DEFAULT_PRICES } from "../../src/bill/prices"
import { pickMoment } from "../../src/hooks/context-pruning/moments"
import type { Walk } from "../../src/hooks/context-pruning/walk"

// A warm request 40 steps in: 100 K characters sent, one old result of 40 K characters 50 K in.
const walk = {
  at: [50_000],
  totalChars: 100_000,
  steps: Array.from({ length: 40 }, (_, i) => ({ before: 2_500 * i, out: 400, tokens: undefined })),
} as unknown as Walk
const lossy = [{ key: "p:o", item: 0, decision: { strategy: "masked" as const, text: "x" }, saved: 40_000 }]
const warm = [
  { info: { role: "user", time: { created: 0 } }, parts: [] },
  { info: { role: "assistant", time: { created: 1, completed: 2 } }, parts: [] },
]
const opts = { mode: "cost" as const, ttlMs: 300_000, horizonRequests: 20, risk: 0.1 }

test("a warm change that pays within the horizon is made; what earlier moments still owe counts against the budget", () => {
  expect(pickMoment(warm, walk, lossy, DEFAULT_PRICES, "prefix", opts)).toBeDefined()
  expect(pickMoment(warm, walk, lossy, DEFAULT_PRICES, "prefix", opts, 1)).toBeUndefined()
  expect(pickMoment(warm, walk, lossy, DEFAULT_PRICES, "prefix", { ...opts, risk: 0 })).toBeUndefined()
  expect(pickMoment(warm, walk, lossy, DEFAULT_PRICES, "prefix", { ...opts, mode: "cold" })).toBeUndefined()
})
