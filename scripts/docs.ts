// `npm run docs`: writes README.md's options section and schema/options.schema.json from the
// options schema (src/options/schema.ts). test/unit/readme.test.ts renders both in memory and
// fails when the files on disk differ.
import {
  defaultOptions,
  describeOption,
  HOOK_NAMES,
  optionJsonSchema,
  optionShapes,
  optionsJsonSchema,
  type OptionKey,
} from "../src/options"

export const README_START = "<!-- options:start (generated from src/options/schema.ts by `npm run docs`; do not edit) -->"
export const README_END = "<!-- options:end -->"
export const SCHEMA_PATH = "schema/options.schema.json"

function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll("\n", " ")
}

/** The README's options section, markers included. */
export function renderOptionsSection(): string {
  const defaults = defaultOptions() as Record<string, unknown>
  const rows = (Object.keys(optionShapes) as OptionKey[]).map((key) => {
    const description = String(optionJsonSchema(key).description ?? "")
    return `| \`${key}\` | \`${JSON.stringify(defaults[key])}\` | ${cell(describeOption(key))} | ${cell(description)} |`
  })
  return [
    README_START,
    `Hook names for \`disabled_hooks\`: ${HOOK_NAMES.map((h) => `\`${h}\``).join(", ")}.`,
    "",
    "| option | default | accepts | description |",
    "|---|---|---|---|",
    ...rows,
    README_END,
  ].join("\n")
}

/** The shipped JSON Schema file's text. */
export function renderSchemaFile(): string {
  return `${JSON.stringify(optionsJsonSchema(), null, 2)}\n`
}

/** `readme` with its options section replaced by `section`; undefined when the markers are missing. */
export function spliceSection(readme: string, section: string): string | undefined {
  const start = readme.indexOf(README_START)
  const end = readme.indexOf(README_END, start)
  if (start < 0 || end < 0) return undefined
  return readme.slice(0, start) + section + readme.slice(end + README_END.length)
}

if (import.meta.main) {
  const root = new URL("../", import.meta.url)
  const readmeUrl = new URL("README.md", root)
  const readme = await Bun.file(readmeUrl).text()
  const next = spliceSection(readme, renderOptionsSection())
  if (next === undefined) {
    console.error(`README.md lacks the markers ${README_START} ... ${README_END}`)
    process.exit(1)
  }
  await Bun.write(readmeUrl, next)
  await Bun.write(new URL(SCHEMA_PATH, root), renderSchemaFile())
  console.log(`wrote README.md (options section) and ${SCHEMA_PATH}`)
}
