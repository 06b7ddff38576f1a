import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { createContextPruningHook } from "../../src/hooks/context-pruning"
import type { PruneState } from "../../src/hooks/context-pruning/state"
import { Conversation, DIR, partOf, readOutput } from "../../testkit/conversation"
import { pluginHarness, type Factory } from "../../testkit/plugin-harness"

const factories: Factory[] = [["context-pruning", createContextPruningHook]]
const BIG = (tag: string, n = 3000) =>
  `${Array.from({ length: Math.ceil(n / 40) }, (_, i) => `${tag} line ${i} of some file content here`).join("\n")}\n`

async function setup(options: Record<string, unknown> = {}) {
  const h = await pluginHarness({ pruning_turn_min_chars: 0, ...options }, { factories })
  const transform = async (messages: Array<{ info: unknown; parts: unknown[] }>) => {
    await h.hooks["experimental.chat.messages.transform"]!({}, { messages } as never)
    return messages
  }
  const state = (session = "ses_test") => h.internals.ctx.store.peek(session)?.peekState<PruneState>("context-pruning")
  return { ...h, transform, state }
}

describe("context pruning on recorded-shape messages", () => {
  test("the recorded transform input of a real session goes through unchanged when nothing is stale", async () => {
    const recorded = JSON.parse(readFileSync(join(import.meta.dir, "../fixtures/pruning/transform-messages.json"), "utf8"))
    const h = await setup()
    const out = await h.transform(structuredClone(recorded))
    expect(out).toEqual(recorded)
    expect(h.state(recorded[0].info.sessionID)!.requests).toBe(1)
  })

  test("a new identical copy becomes a reference at once; the earlier copy and OpenCode's objects stay as they were", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const first = c.bash("npm test", BIG("test output"))
    const second = c.bash("npm test", BIG("test output"))
    const req = c.request()
    const originals = structuredClone(req)
    const secondPart = partOf(req, second)
    const out = await h.transform(req)
    expect(partOf(out, first).state.output).toBe(BIG("test output"))
    expect(partOf(out, second).state.output).toMatch(/^\[longrun\] Same output as the earlier identical bash call call_\d+/)
    // Copy-on-write: the part object OpenCode passed in is untouched.
    expect(secondPart).toEqual(partOf(originals, second))
    const fact = h.internals.ctx.store.peek("ses_test")!.pruning
    expect(fact.partsPruned).toBe(1)
    expect(fact.byStrategy.dedupe!.parts).toBe(1)
    expect(fact.charsSaved).toBeGreaterThan(2500)
  })

  test("a read returning what a write wrote refers to the write; a re-read of an unchanged file to the first read", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const content = BIG("gen")
    c.write("gen.ts", content)
    const readAfterWrite = c.read("gen.ts", content)
    const a1 = c.read("a.ts", BIG("a"))
    const a2 = c.read("a.ts", BIG("a"))
    const out = await h.transform(c.request())
    expect(partOf(out, readAfterWrite).state.output).toContain("exactly the content written by the earlier write call")
    expect(partOf(out, a1).state.output).toBe(readOutput(`${DIR}/a.ts`, BIG("a")))
    expect(partOf(out, a2).state.output).toContain("a.ts is unchanged: exactly what the earlier read call")
  })

  test("an older read of a changed file is left out only when the next user turn starts, then the prefix is stable", async () => {
    const h = await setup()
    const c = new Conversation().user("turn 1")
    const old = c.read("a.ts", BIG("old"))
    const newer = c.read("a.ts", BIG("new"))
    let out = await h.transform(c.request())
    expect(partOf(out, old).state.output).toBe(readOutput(`${DIR}/a.ts`, BIG("old"))) // the current turn is protected
    c.user("turn 2")
    out = await h.transform(c.request())
    const placeholder = partOf(out, old).state.output
    expect(placeholder).toMatch(
      /^\[longrun\] Pruned: an older read of project\/a\.ts \([\d,]+ chars\)\. The file changed after it; the newer copy is the read call call_\d+ further down/,
    )
    expect(partOf(out, newer).state.output).toBe(readOutput(`${DIR}/a.ts`, BIG("new")))
    c.bash("ls", "a.ts\n")
    const next = await h.transform(c.request())
    expect(JSON.stringify(next.slice(0, out.length))).toBe(JSON.stringify(out))
    expect(h.state()!.moments).toBe(1)
  })

  test("a superseded write's content is left out; the newest write stays whole", async () => {
    const h = await setup()
    const c = new Conversation().user("turn 1")
    const w1 = c.write("gen.ts", BIG("v1"))
    const w2 = c.write("gen.ts", BIG("v2"))
    c.user("turn 2")
    const out = await h.transform(c.request())
    expect(partOf(out, w1).state.input.content).toMatch(
      /^\[longrun: [\d,]+ chars left out; project\/gen\.ts was written again later by the write call call_\d+\]$/,
    )
    expect(partOf(out, w1).state.input.filePath).toBe(`${DIR}/gen.ts`)
    expect(partOf(out, w2).state.input.content).toBe(BIG("v2"))
  })

  test("the newest content of each file is sent once, over a session that rewrites and re-reads", async () => {
    const h = await setup()
    const c = new Conversation()
    let out: Array<{ info: unknown; parts: unknown[] }> = []
    for (let turn = 1; turn <= 4; turn++) {
      c.user(`turn ${turn}`)
      c.read("a.ts", BIG("a-stable"))
      c.read("b.ts", BIG(`b-${turn}`))
      c.write("gen.ts", BIG(`gen-${turn}`))
      c.read("gen.ts", BIG(`gen-${turn}`))
      out = await h.transform(c.request())
    }
    const all = JSON.stringify(out)
    // A line's text appears once in each full copy, whether read (numbered) or written.
    const count = (tag: string) => all.split(`${tag} line 5 of`).length - 1
    expect(count("a-stable")).toBe(1)
    expect(count("b-4")).toBe(1)
    expect(count("gen-4")).toBe(1)
    expect(count("b-1")).toBe(0)
    expect(count("gen-1")).toBe(0)
  })

  test("protected tools and user messages are never touched", async () => {
    const h = await setup()
    const c = new Conversation().user(BIG("user text"))
    const t1 = c.tool("task", { prompt: "x" }, { output: BIG("task result") })
    const t2 = c.tool("task", { prompt: "x" }, { output: BIG("task result") })
    c.user(BIG("user text"))
    const out = await h.transform(c.request())
    expect(partOf(out, t1).state.output).toBe(BIG("task result"))
    expect(partOf(out, t2).state.output).toBe(BIG("task result"))
    expect((out[0]!.parts[0] as { text: string }).text).toBe(BIG("user text"))
  })

  test("stale copies in the protected turns stay until they leave them", async () => {
    const h = await setup({ pruning_protect_turns: 2 })
    const c = new Conversation().user("turn 1")
    const old = c.read("a.ts", BIG("old"))
    c.read("a.ts", BIG("new"))
    c.user("turn 2")
    let out = await h.transform(c.request())
    expect(partOf(out, old).state.output).toBe(readOutput(`${DIR}/a.ts`, BIG("old")))
    c.user("turn 3")
    out = await h.transform(c.request())
    expect(partOf(out, old).state.output).toContain("[longrun] Pruned")
  })

  test("failed calls: long arguments go after some turns; a repeated long error becomes a reference", async () => {
    const h = await setup({ pruning_failed_after_turns: 2 })
    const c = new Conversation().user("turn 1")
    const err = `Error: ${BIG("stack", 600)}`
    const e1 = c.tool("edit", { filePath: `${DIR}/a.ts`, oldString: BIG("old text", 1000), newString: "x" }, { error: err })
    const e2 = c.tool("bash", { command: "make" }, { error: err })
    let out = await h.transform(c.request())
    expect(partOf(out, e2).state.error).toMatch(/^\[longrun\] Same error as the earlier edit call call_\d+/)
    c.user("turn 2")
    out = await h.transform(c.request())
    expect(partOf(out, e1).state.input.oldString).toBe(BIG("old text", 1000))
    c.user("turn 3")
    out = await h.transform(c.request())
    expect(partOf(out, e1).state.input.oldString).toMatch(/^\[longrun: [\d,]+ chars of a failed call's argument left out\]$/)
    expect(partOf(out, e1).state.input.newString).toBe("x")
    expect(partOf(out, e1).state.error).toBe(err)
  })

  test("each strategy can be turned off", async () => {
    const h = await setup({ pruning_dedupe: false, pruning_superseded_reads: false, pruning_superseded_writes: false })
    const c = new Conversation().user("turn 1")
    c.bash("npm test", BIG("t"))
    c.bash("npm test", BIG("t"))
    c.read("a.ts", BIG("old"))
    c.read("a.ts", BIG("new"))
    c.write("g.ts", BIG("1"))
    c.write("g.ts", BIG("2"))
    c.user("turn 2")
    const req = c.request()
    const out = await h.transform(structuredClone(req))
    expect(out).toEqual(req)
  })

  test("the placeholder of a capped output points at the saved full output", async () => {
    const h = await setup()
    const c = new Conversation().user("turn 1")
    const capped = `${BIG("head")}\n\n[longrun] Output truncated: 90,000 bytes in all; the first and last 4,096 characters are shown. The full output is saved in /data/out/call_1.txt; read it with the read tool if you need the middle.\n\n<content>`
    const old = c.tool("read", { filePath: `${DIR}/big.log` }, { output: capped })
    c.read("big.log", BIG("now"))
    c.user("turn 2")
    const out = await h.transform(c.request())
    expect(partOf(out, old).state.output).toContain("Its full output was saved in /data/out/call_1.txt.")
  })

  test("small stale amounts wait for pruning_turn_min_chars; a large amount mid-turn passes the threshold", async () => {
    const h = await setup({ pruning_turn_min_chars: 1_000_000, pruning_threshold_chars: 5_000 })
    const c = new Conversation().user("turn 1")
    const old = c.read("a.ts", BIG("old"))
    c.read("a.ts", BIG("new"))
    c.user("turn 2")
    let out = await h.transform(c.request())
    expect(partOf(out, old).state.output).not.toContain("[longrun]") // 3 K pending: below both
    const old2 = c.read("b.ts", BIG("b1"))
    c.read("b.ts", BIG("b2"))
    c.user("turn 3")
    out = await h.transform(c.request())
    expect(partOf(out, old).state.output).toContain("[longrun] Pruned") // 6 K pending: above the threshold
    expect(partOf(out, old2).state.output).toContain("[longrun] Pruned")
    expect(h.state()!.moments).toBe(1)
  })

  test("a large prune shows a toast; the status section reports the saving", async () => {
    const h = await setup({ pruning_toast_chars: 5_000 })
    const c = new Conversation().user("turn 1")
    for (let i = 0; i < 3; i++) c.read("a.ts", BIG(`v${i}`))
    c.user("turn 2")
    await h.transform(c.request())
    const toasts = h.fake.toasts()
    expect(toasts).toHaveLength(1)
    expect(toasts[0]!.message).toMatch(/^Left [\d,]+ characters of stale tool output \(2 parts\)/)
    const section = h.internals.hooks.find((x) => x.name === "context-pruning")!.status!()!
    expect(section.title).toBe("context pruning")
    expect((section.data as any).sessions[0].lastRequest.byStrategy["superseded-read"].parts).toBe(2)
    expect(section.text).toContain("ses_test")
  })

  test("a failure inside the transform sends the messages untouched and is logged", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    c.bash("x", BIG("x"))
    c.bash("x", BIG("x"))
    const req = c.request()
    Object.defineProperty(req[2]!.parts[1], "tool", {
      get: () => {
        throw new Error("boom")
      },
      enumerable: false,
    })
    const before = [...req]
    await h.transform(req)
    expect(req).toEqual(before)
    expect(req[2]).toBe(before[2]!)
    expect(
      h.fake.logs().some((l) => l.level === "error" && l.message.includes("context-pruning") && l.message.includes("boom")),
    ).toBe(true)
  })
})
