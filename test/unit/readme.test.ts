import { expect, test } from "bun:test"
import { defaultOptions, optionShapes } from "../../src/options"

// The README's options table is the user's reference: it must list every option with its real default.
test("README options table matches the options schema", async () => {
  const readme = await Bun.file(new URL("../../README.md", import.meta.url)).text()
  const rows = new Map<string, string>()
  for (const m of readme.matchAll(/^\| `([a-z_]+)` \| `([^`]*)` \|/gm)) rows.set(m[1]!, m[2]!)
  const defaults = defaultOptions() as Record<string, unknown>
  expect([...rows.keys()].sort()).toEqual(Object.keys(optionShapes).sort())
  for (const [key, shown] of rows) expect({ key, shown }).toEqual({ key, shown: JSON.stringify(defaults[key]) })
})
