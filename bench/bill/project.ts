/**
 * The project the bill bench's generated sessions work on: a small expression language in
 * TypeScript (8 modules with tests) whose test runner, run-tests.sh, passes a case once its
 * source line carries `fixed(case-N)`. Generated from a seed, so every configuration's
 * OpenCode gets the same bytes and every tool output is real (OpenCode runs the tools).
 */

export interface Case {
  id: number
  suite: string
  file: string
  /** 1-based line of the case's `return` in its file */
  line: number
  fn: string
  desc: string
  /** the line as shipped (failing) and as fixed */
  todo: string
  fixed: string
}

export const MODULES = ["lexer", "parser", "ast", "eval", "format", "env", "builtins", "errors"]

const VERBS = ["read", "parse", "scan", "build", "check", "resolve", "collect", "render", "merge", "lower", "emit", "visit"]
const NOUNS = ["token", "number", "string", "operator", "binding", "scope", "call", "literal", "span", "node", "frame"]
const NOUNS2 = ["list", "table", "range", "chain", "group", "block", "record", "stack"]
const TYPES = ["Token", "Node", "Span", "Value", "Scope", "Frame", "Source"]
const DESCS = [
  "handle exponents",
  "keep the span of nested calls",
  "reject a trailing comma",
  "escape quotes in strings",
  "fold unary minus",
  "report the column, not the offset",
  "resolve shadowed bindings",
  "stop at the first error",
  "round half to even",
  "print negative zero",
  "keep comments attached",
  "limit recursion depth",
  "accept underscores in numbers",
  "sort keys stably",
  "free the frame on return",
]

/** mulberry32: small, seeded, good enough for varied text. */
function rng(seed: number) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const cap = (s: string) => s[0]!.toUpperCase() + s.slice(1)

export interface Project {
  files: Record<string, string>
  cases: Case[]
}

/** `cases` cases spread over the modules, each a function of its module. */
export function generateProject(cases = 32, seed = 21): Project {
  const r = rng(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!
  const files: Record<string, string> = {}
  const all: Case[] = []
  const perModule = Math.ceil(cases / MODULES.length)
  let next = 1
  MODULES.forEach((mod, mi) => {
    const lines: string[] = [
      `// src/${mod}.ts: the ${mod} of the calc language`,
      `import type { ${TYPES.slice(0, 4).join(", ")} } from "./ast"`,
      `import { CalcError } from "./errors"`,
      "",
    ]
    const fns = 11 + (mi % 4)
    for (let f = 0; f < fns; f++) {
      const verb = pick(VERBS)
      const noun = pick(NOUNS)
      const name = `${verb}${cap(noun)}${cap(pick(NOUNS2))}${f}`
      const type = pick(TYPES)
      const local = `${noun}s`
      lines.push(
        `/** ${cap(verb)} the ${noun} ${pick(NOUNS2)} of a ${type.toLowerCase()}; ${pick(DESCS)}. */`,
        `export function ${name}(input: ${type}, depth = ${1 + Math.floor(r() * 9)}): ${pick(TYPES)}[] {`,
        `  const ${local}: ${type}[] = []`,
        `  if (depth > ${16 + Math.floor(r() * 48)}) throw new CalcError("${noun} nested too deep", input)`,
        `  for (const item of input.children ?? []) {`,
        `    if (item.kind === "${pick(NOUNS)}") ${local}.push(${pick(VERBS)}${cap(pick(NOUNS))}(item, depth + 1))`,
        `    else ${local}.push(item)`,
        `  }`,
      )
      const isCase = f % 3 === 1 && all.filter((c) => c.suite === mod).length < perModule && next <= cases
      if (isCase) {
        const id = next++
        const desc = DESCS[(id * 7) % DESCS.length]!
        const c: Case = {
          id,
          suite: mod,
          file: `src/${mod}.ts`,
          line: lines.length + 1,
          fn: name,
          desc,
          todo: `  return ${local} // TODO(case-${id}): ${desc}`,
          fixed: `  return normalize${cap(noun)}s(${local}, depth) // fixed(case-${id})`,
        }
        all.push(c)
        lines.push(c.todo)
      } else lines.push(`  return ${local}`)
      lines.push("}", "")
    }
    files[`src/${mod}.ts`] = `${lines.join("\n")}\n`
  })
  for (const mod of MODULES) files[`test/${mod}.test.ts`] = testFile(mod, all, r)
  files["run-tests.sh"] = testRunner(all)
  files["package.json"] = `${JSON.stringify({ name: "calc", private: true, scripts: { test: "sh run-tests.sh" } }, null, 2)}\n`
  return { files, cases: all }
}

function testFile(mod: string, cases: Case[], r: () => number): string {
  const mine = cases.filter((c) => c.suite === mod)
  const out = [
    `// test/${mod}.test.ts`,
    `import { describe, expect, test } from "bun:test"`,
    `import * as m from "../src/${mod}"`,
    "",
  ]
  out.push(`describe("${mod}", () => {`)
  for (const c of mine)
    out.push(
      `  test("${c.desc} (case-${c.id})", () => {`,
      `    const input = { kind: "root", children: [{ kind: "literal", value: ${Math.floor(r() * 1000)} }] }`,
      `    expect(m.${c.fn}(input as never)).toEqual([{ kind: "literal", value: ${Math.floor(r() * 1000)} }])`,
      `  })`,
    )
  for (let i = 0; i < 4; i++) out.push(`  test("keeps ${NOUNS[(i * 3) % NOUNS.length]} ${i}", () => expect(m).toBeDefined())`)
  out.push("})", "")
  return out.join("\n")
}

/** sh run-tests.sh [suite]: a test report that changes only where a case was fixed. */
function testRunner(cases: Case[]): string {
  const out = [
    "#!/bin/sh",
    "# Prints a test report; a case passes once its source line says fixed(case-N).",
    'suite="$1"; pass=0; fail=0',
    "check() {",
    '  if [ -n "$suite" ] && [ "$suite" != "$1" ]; then return; fi',
    '  if grep -q "fixed(case-$2)" "$3"; then',
    '    echo "  ok   $1 > $5 ($(( ($2 * 37) % 90 + 3 )) ms)"; pass=$((pass + 1))',
    "  else",
    '    echo "  FAIL $1 > $5"',
    '    echo "    expected: [{ kind: \\"literal\\", value: $(( ($2 * 131) % 997 )) }]"',
    '    echo "    received: [{ kind: \\"literal\\", value: $(( ($2 * 71) % 997 )) }]"',
    '    echo "      at $6 ($3:$4:3)"',
    '    echo "      at test/$1.test.ts:$(( $2 % 9 * 4 + 7 )):5"',
    "    fail=$((fail + 1))",
    "  fi",
    "}",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
    'echo "calc test runner, suite ${suite:-all}"',
  ]
  for (const c of cases) out.push(`check ${c.suite} ${c.id} ${c.file} ${c.line} "${c.desc} (case-${c.id})" ${c.fn}`)
  out.push('echo ""', 'echo "Tests: $fail failed, $pass passed, $((pass + fail)) total"', '[ "$fail" -eq 0 ] || exit 1', "")
  return out.join("\n")
}
