/**
 * The scripted session of the pruning benchmark: several user turns; each re-reads
 * three source files (one never changes, one a command rewrites now and then, one is
 * edited every turn), reruns an identical test command and a failing check, rewrites a
 * generated file and reads it back, and once in a while makes an edit that fails.
 */
import type { Reply } from "../../testkit/model-server"

const lines = (tag: string, n: number, width = 60) =>
  `${Array.from({ length: n }, (_, i) => `${tag} ${String(i).padStart(4, "0")} ${"x".repeat(Math.max(0, width - tag.length - 6))}`).join("\n")}\n`

export const FILES: Record<string, string> = {
  "src/core.ts": `// core module\n${lines("export const core", 90)}`,
  "src/util.ts": `// util module, state 0\n${lines("export const util", 70)}`,
  "src/feature.ts": `export const VERSION = 0\n${lines("export const feature", 55)}`,
  "fixtures/test-output.txt": lines("PASS test/case", 40, 70),
  "check.sh": `cat fixtures/check-errors.txt; exit 1\n`,
  "fixtures/check-errors.txt": lines("src/feature.ts: error TS2322: Type 'string' is not assignable", 15, 90),
}

const call = (name: string, args: Record<string, unknown>): Reply => ({ toolCalls: [{ name, args }] })
const generated = (turn: number) =>
  JSON.stringify(
    {
      turn,
      entries: Array.from({ length: 80 }, (_, i) => ({ id: i, name: `entry-${i}`, value: (i * 7919 + turn * 104729) % 100003 })),
    },
    null,
    1,
  )

/** The model's replies for one user turn (1-based). */
export function turnReplies(turn: number): Reply[] {
  const r: Reply[] = [
    call("read", { filePath: "src/core.ts" }),
    call("read", { filePath: "src/util.ts" }),
    call("read", { filePath: "src/feature.ts" }),
    call("bash", { command: "cat fixtures/test-output.txt", description: "run the tests" }),
    call("bash", { command: "sh check.sh", description: "type check" }),
    call("write", { filePath: "build/generated.json", content: generated(turn) }),
    call("read", { filePath: "build/generated.json" }),
    call("edit", { filePath: "src/feature.ts", oldString: `VERSION = ${turn - 1}`, newString: `VERSION = ${turn}` }),
    call("read", { filePath: "src/feature.ts" }),
  ]
  if (turn % 2 === 0) {
    // A failing edit with a long oldString (the text no longer matches).
    r.push(call("edit", { filePath: "src/core.ts", oldString: lines("export const stale", 12), newString: "x" }))
  }
  if (turn % 3 === 0) {
    // A command rewrites util.ts; the agent reads it again.
    r.push(
      call("bash", {
        command: `sed -i 's/state [0-9]*/state ${turn}/' src/util.ts && echo rewritten`,
        description: "rewrite util",
      }),
    )
    r.push(call("read", { filePath: "src/util.ts" }))
  }
  r.push(call("bash", { command: "sh check.sh", description: "type check again" }))
  r.push({ text: `Turn ${turn} done.` })
  return r
}

export const TURNS = 6
export const turnPrompt = (turn: number) => `Turn ${turn}: continue the feature work, re-check everything.`
