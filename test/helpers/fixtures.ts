import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const DIR = join(import.meta.dir, "../fixtures/events")

/** Real events recorded from OpenCode 1.18.33 (test/e2e/record-fixtures.ts), by file name without .json. */
export function fixture(name: string): Array<{ id: string; type: string; properties: any }> {
  return JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8"))
}

export function allFixtures(): Array<{ file: string; event: { id: string; type: string; properties: any } }> {
  return readdirSync(DIR)
    .filter((f) => f.endsWith(".json") && !f.startsWith("_"))
    .flatMap((file) => fixture(file.replace(/\.json$/, "")).map((event) => ({ file, event })))
}
