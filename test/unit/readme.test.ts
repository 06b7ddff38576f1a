import { expect, test } from "bun:test"
import { README_END, README_START, renderOptionsSection, renderSchemaFile, SCHEMA_PATH } from "../../scripts/docs"
import { defaultOptions, optionShapes } from "../../src/options"

// The options are documented once, in the schema; README.md and the shipped JSON Schema are
// generated from it by `npm run docs`. These tests fail when either file is stale.
const root = new URL("../../", import.meta.url)

test("README's options section is what `npm run docs` generates now", async () => {
  const readme = await Bun.file(new URL("README.md", root)).text()
  const start = readme.indexOf(README_START)
  const end = readme.indexOf(README_END, start)
  expect(start).toBeGreaterThan(-1)
  expect(end).toBeGreaterThan(start)
  // On failure: run `npm run docs` and commit README.md.
  expect(readme.slice(start, end + README_END.length)).toBe(renderOptionsSection())
})

test("the shipped JSON Schema is what `npm run docs` generates now", async () => {
  // On failure: run `npm run docs` and commit the schema file.
  expect(await Bun.file(new URL(SCHEMA_PATH, root)).text()).toBe(renderSchemaFile())
})

test("the generated table lists every option once, with its real default", () => {
  const rows = new Map<string, string>()
  for (const m of renderOptionsSection().matchAll(/^\| `([a-z_]+)` \| `([^`]*)` \|/gm)) rows.set(m[1]!, m[2]!)
  const defaults = defaultOptions() as Record<string, unknown>
  expect([...rows.keys()]).toEqual(Object.keys(optionShapes))
  for (const [key, shown] of rows) expect({ key, shown }).toEqual({ key, shown: JSON.stringify(defaults[key]) })
})

test("every option has a description in the schema", () => {
  const schema = JSON.parse(renderSchemaFile()) as { properties: Record<string, { description?: string }> }
  for (const key of Object.keys(optionShapes)) {
    expect({ key, described: (schema.properties[key]?.description ?? "").length > 10 }).toEqual({ key, described: true })
  }
})
