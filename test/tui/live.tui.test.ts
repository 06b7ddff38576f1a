/**
 * The real OpenCode TUI in tmux (200x50) with the server half publishing for real: the
 * sidebar shows what the running plugin does (no hand-written snapshot). A scripted model
 * writes todos, so the real enforcer counts down and Esc stops it; then it launches a
 * background task whose child is slow, so the task's elapsed time ticks.
 * Run under the shared lock: flock /tmp/longrun-opencode.lock bun test test/tui/live.tui.test.ts
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test"
import { bySession, type RecordedRequest, type Reply, sequence } from "../../testkit/model-server"
import { sidebarOf, startTui, type TuiHandle, tmuxAvailable } from "./tui-harness"

const HAS_TMUX = tmuxAvailable()
if (!HAS_TMUX) console.log("[tui] tmux is not installed: skipping the TUI tests")
const suite = HAS_TMUX ? describe : describe.skip

const MARKER = "[longrun] Continue your todo list"
// Long enough to watch it tick and press Esc; short enough that the test waits past its end.
const COUNTDOWN_MS = 15_000
const CHILD_DELAY_MS = 8_000
const USAGE = { prompt_tokens: 4321, completion_tokens: 12 }
const show = (label: string, pane: string) => {
  if (process.env.TUI_SHOW === "1")
    console.log(
      `[tui] ${label}:\n${sidebarOf(pane)
        .split("\n")
        .filter((l) => l.trim())
        .join("\n")}`,
    )
}
const secondsOf = (pane: string, re: RegExp) => Number(sidebarOf(pane).match(re)?.[1] ?? NaN)

const todowrite: Reply = {
  toolCalls: [
    {
      name: "todowrite",
      args: {
        todos: ["Read the code", "Fix the bug", "Write the test"].map((content, i) => ({
          content,
          status: i === 0 ? "completed" : "pending",
          priority: "high",
        })),
      },
    },
  ],
  usage: USAGE,
}

// The parent session: one turn writes todos and stops; a later turn launches a task.
const parent = (req: RecordedRequest): Reply => {
  const last = req.lastUserText
  if (last.startsWith("Delegate")) {
    if (req.toolResults.some((r) => r.content.startsWith("Started background task")))
      return { text: "Started it; waiting.", usage: USAGE }
    return {
      toolCalls: [
        { name: "background_task", args: { description: "explore the repo", prompt: "Child explore: look around the repo." } },
      ],
      usage: USAGE,
    }
  }
  if (last.startsWith("Plan")) {
    if (req.priorToolCalls.some((c) => c.name === "todowrite")) return { text: "First one done, stopping here.", usage: USAGE }
    return todowrite
  }
  return { text: "Noted.", usage: USAGE }
}
// The child answers slowly, so the task stays running for a while.
const child = sequence([
  { text: "The repo has a src folder.", delayMs: CHILD_DELAY_MS, usage: { prompt_tokens: 900, completion_tokens: 20 } },
])

async function prompt(t: TuiHandle, text: string, reply: string) {
  t.type(text)
  t.keys("Enter")
  return await t.waitFor((p) => p.includes(reply), `the reply "${reply}"`, 20_000)
}

suite("TUI: the sidebar shows the running plugin's state", () => {
  let t: TuiHandle
  beforeAll(async () => {
    t = await startTui({
      script: bySession([["Child explore", child]], parent),
      pluginOptions: { todo_countdown_ms: COUNTDOWN_MS, todo_cooldown_ms: 0 },
    })
    await t.waitFor((p) => p.includes("Ask anything"), "the prompt", 90_000)
  }, 180_000)
  afterAll(async () => await t?.stop(), 30_000)

  let countdownEnds = 0

  test("after the turn: where compaction will happen, and the enforcer's countdown ticking down", async () => {
    await prompt(t, "Plan the fix and start.", "First one done, stopping here.")
    const first = await t.waitFor((p) => /todo: continuing in \d+s \(2\/3 open\)/.test(sidebarOf(p)), "the countdown", 10_000)
    const secs = secondsOf(first, /continuing in (\d+)s/)
    countdownEnds = Date.now() + secs * 1000
    show("countdown", first)
    expect(secs).toBeLessThanOrEqual(COUNTDOWN_MS / 1000)
    const side = sidebarOf(first)
    expect(side).toContain("esc or /longrun-stop cancels")
    expect(side).toMatch(/context 4\.3K\/20\.0K/)
    expect(side).toContain("compact at 16.0K · host at 18.0K")
    const later = await t.waitFor((p) => secondsOf(p, /continuing in (\d+)s/) < secs, "the countdown to tick", 5_000)
    expect(secondsOf(later, /continuing in (\d+)s/)).toBeGreaterThan(0)
  }, 120_000)

  test("Esc stops it: the sidebar shows the stop, and no continuation prompt reaches the model", async () => {
    expect(countdownEnds).toBeGreaterThan(0)
    t.keys("Escape")
    const stopped = await t.waitFor((p) => sidebarOf(p).includes("todo: stopped (user)"), "the stopped state", 10_000)
    show("stopped", stopped)
    expect(sidebarOf(stopped)).not.toMatch(/continuing in/)
    expect(stopped).toContain("Todo continuation is off for this session")
    // Past the moment the countdown would have ended, nothing was sent.
    await Bun.sleep(Math.max(0, countdownEnds - Date.now()) + 2_000)
    expect(t.model.requests.some((r) => r.allText.includes(MARKER))).toBe(false)
    expect(sidebarOf(t.capture())).toContain("todo: stopped (user)")
  }, 40_000)

  test("a running background task: its description and an elapsed time that grows, then finished", async () => {
    await prompt(t, "Delegate the exploration.", "Started it; waiting.")
    const running = /▸ explore the repo +(\d+)s/
    const first = await t.waitFor((p) => running.test(sidebarOf(p)), "the running task", 10_000)
    show("running task", first)
    expect(sidebarOf(first)).toContain("background: 1 running")
    const secs = secondsOf(first, running)
    const later = await t.waitFor((p) => secondsOf(p, running) > secs, "the elapsed time to grow", 5_000)
    show("running task, later", later)
    const done = await t.waitFor(
      (p) => /✓ explore the repo +\d+s/.test(sidebarOf(p)),
      "the finished task",
      CHILD_DELAY_MS + 15_000,
    )
    show("finished task", done)
    // it ran about as long as the child's slow reply
    expect(secondsOf(done, /✓ explore the repo +(\d+)s/)).toBeGreaterThanOrEqual(CHILD_DELAY_MS / 1000 - 1)
    expect(sidebarOf(done)).toContain("background: 0 running")
    expect(sidebarOf(done)).toMatch(/steps · [\d.]+K? tok · completed/)
    // The stop still holds after two more turns: still no continuation prompt.
    expect(t.model.requests.some((r) => r.allText.includes(MARKER))).toBe(false)
  }, 60_000)
})
