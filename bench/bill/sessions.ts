/**
 * The bill bench's generated sessions, as the scripted model's replies: coding work on the
 * project of ./project.ts. Per case the agent greps for it, reads the file (whole, a window,
 * or with cat / sed -n / nl through bash), reads the test, sometimes misses with an edit and
 * reads again, edits, reruns the suite's tests (a report that differs from the last run in
 * a line or two), sometimes checks the file again, the diff or the whole suite.
 * - autonomous: one user message, 100+ tool steps;
 * - interactive: several user turns of about 15 requests each (the bench pauses between them).
 */
import type { Reply } from "../../testkit/model-server"
import { type Case, generateProject } from "./project"

export interface Turn {
  prompt: string
  replies: Reply[]
}

export interface BillSession {
  name: string
  turns: Turn[]
  /** the person pauses past the prompt cache's lifetime before every turn but the first */
  pauses: boolean
  files: Record<string, string>
}

const call = (name: string, args: Record<string, unknown>, text?: string): Reply => ({
  ...(text ? { text } : {}),
  toolCalls: [{ name, args }],
})
const bash = (command: string, description: string, text?: string) => call("bash", { command, description }, text)

/** Writes the replies of one session, remembering what it has read (OpenCode's edit needs a read first). */
class Agent {
  readonly replies: Reply[] = []
  private readonly seen = new Set<string>()
  private n = 0

  constructor(private readonly lines: (file: string) => number) {}

  push(r: Reply) {
    this.replies.push(r)
  }

  read(file: string, window?: { offset: number; limit: number }) {
    this.seen.add(file)
    this.push(call("read", { filePath: file, ...(window ?? {}) }))
  }

  /** A view of the file: a read the first time, then one of the ways agents look again. */
  view(file: string, around: number) {
    if (!this.seen.has(file)) return this.read(file)
    const a = Math.max(1, around - 12)
    const b = Math.min(this.lines(file), around + 4)
    switch (this.n++ % 4) {
      case 0:
        return this.push(bash(`sed -n '${a},${b}p' ${file}`, `show ${file} around line ${around}`))
      case 1:
        return this.push(bash(`cat ${file}`, `show ${file}`))
      case 2:
        return this.read(file, { offset: a, limit: b - a + 1 })
      default:
        return this.push(bash(`nl -ba ${file} | sed -n '${a},${b}p'`, `number the lines of ${file}`))
    }
  }

  fix(c: Case, i: number) {
    if (i % 3 === 0) this.push(bash(`grep -rn "case-${c.id})" src test`, `find case-${c.id}`, `Next: case-${c.id} (${c.desc}).`))
    this.view(c.file, c.line)
    const test = `test/${c.suite}.test.ts`
    if (i % 2 === 0) {
      if (this.seen.has(test)) this.push(bash(`grep -n -A3 "case-${c.id}" ${test}`, `the test of case-${c.id}`))
      else this.read(test)
    }
    if (i % 5 === 4) {
      // A miss: the agent misremembers the line, reads the window again and retries.
      this.push(call("edit", { filePath: c.file, oldString: c.todo.replace("TODO(", "TODO ("), newString: c.fixed }))
      this.read(c.file, { offset: Math.max(1, c.line - 6), limit: 12 })
    }
    this.push(call("edit", { filePath: c.file, oldString: c.todo, newString: c.fixed }))
    this.push(bash(`sh run-tests.sh ${c.suite}`, `run the ${c.suite} tests`))
    if (i % 4 === 3) this.read(c.file)
    if (i % 3 === 1) this.push(bash(`git diff ${c.file}`, `review the change to ${c.file}`))
    if (i % 3 === 2) this.push(bash("sh run-tests.sh", "run all tests"))
  }

  open() {
    this.push(bash("ls src test", "list the project", "Let me look at the project first."))
    this.push(bash("sh run-tests.sh", "run all tests"))
  }

  done(text: string) {
    this.push({ text })
  }
}

function lineCounter(files: Record<string, string>) {
  return (file: string) => (files[file] ?? "").split("\n").length
}

/** One user message: fix `count` cases in a row, with a look at the project first and a last full run. */
export function autonomousSession(count = 20): BillSession {
  const p = generateProject()
  const a = new Agent(lineCounter(p.files))
  a.open()
  for (const [i, c] of p.cases.slice(0, count).entries()) a.fix(c, i)
  a.push(bash("git diff --stat", "summarise the changes"))
  a.push(bash("sh run-tests.sh", "run all tests"))
  a.done(`Fixed ${count} cases; the remaining failures are outside this task.`)
  return {
    name: "autonomous",
    pauses: false,
    files: p.files,
    turns: [
      {
        prompt: `Fix the failing cases case-1 to case-${count} in the calc project; run the tests as you go.`,
        replies: a.replies,
      },
    ],
  }
}

/** `turns` user turns of `perTurn` cases each; the person comes back after a pause each time. */
export function interactiveSession(turns = 6, perTurn = 3): BillSession {
  const p = generateProject()
  const out: Turn[] = []
  let i = 0
  for (let t = 0; t < turns; t++) {
    const a = new Agent(lineCounter(p.files))
    const mine = p.cases.slice(8 + t * perTurn, 8 + (t + 1) * perTurn)
    if (mine.length === 0) break
    a.push(bash(`sh run-tests.sh ${mine[0]!.suite}`, `run the ${mine[0]!.suite} tests`, "Checking where we are."))
    for (const c of mine) a.fix(c, i++)
    a.done(`Turn ${t + 1}: fixed ${mine.map((c) => `case-${c.id}`).join(", ")}.`)
    out.push({ prompt: `Turn ${t + 1}: please fix ${mine.map((c) => `case-${c.id}`).join(", ")}.`, replies: a.replies })
  }
  return { name: "interactive", pauses: true, files: p.files, turns: out }
}

export const requestsOf = (s: BillSession) => s.turns.reduce((n, t) => n + t.replies.length, 0)
