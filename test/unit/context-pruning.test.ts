import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Conversation, DIR, partOf, readOutput } from "../../testkit/conversation"
import { AWAY, BIG, setup } from "../helpers/pruning"

/** n small bash calls: pushes older results out of the newest-10 window. */
function filler(c: Conversation, n = 10) {
  for (let i = 0; i < n; i++) c.bash(`echo ${i}`, `${i}\n`)
}

describe("context pruning: references and the newest results", () => {
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
    expect(secondPart).toEqual(partOf(originals, second)) // copy-on-write
    const fact = h.internals.ctx.store.peek("ses_test")!.pruning
    expect(fact.partsPruned).toBe(1)
    expect(fact.byStrategy.dedupe!.parts).toBe(1)
  })

  test("the same arguments in another key order are the same call", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    c.tool("grep", { pattern: "foo", path: "src" }, { output: BIG("match") })
    const again = c.tool("grep", { path: "src", pattern: "foo" }, { output: BIG("match") })
    const out = await h.transform(c.request())
    expect(partOf(out, again).state.output).toMatch(/^\[longrun\] Same output as the earlier identical grep call/)
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

  test("two parts that share one id are both left alone", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    c.read("a.ts", BIG("old"))
    c.read("a.ts", BIG("new"))
    const req = c.request()
    ;(req[2]!.parts[1] as { id: string }).id = (req[1]!.parts[1] as { id: string }).id
    filler(c, 10)
    c.pause(AWAY).user("back")
    const last = c.request()
    last.splice(0, 3, ...req)
    const out = await h.transform(structuredClone(last))
    expect((out[1]!.parts[1] as any).state.output).toBe(readOutput(`${DIR}/a.ts`, BIG("old")))
    expect((out[2]!.parts[1] as any).state.output).toBe(readOutput(`${DIR}/a.ts`, BIG("new")))
  })

  test("the newest pruning_keep_recent tool results are never left out, even when the cache is cold", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const parts = Array.from({ length: 12 }, (_, i) => c.bash(`cat f${i}.txt`, BIG(`file ${i}`)))
    c.pause(AWAY).user("back again")
    const out = await h.transform(c.request())
    for (const id of parts.slice(-10)) expect(partOf(out, id).state.output).not.toContain("[longrun]")
    for (const id of parts.slice(0, 2))
      expect(partOf(out, id).state.output).toMatch(/^\[longrun\] Left out: the output of this bash call/)
  })

  test("protected tools and user and assistant text are never touched", async () => {
    const h = await setup()
    const c = new Conversation().user(BIG("user text"))
    const todo = c.tool("todowrite", { todos: [] }, { output: BIG("todo") })
    c.text(BIG("assistant text"))
    filler(c, 12)
    c.pause(AWAY).user("back")
    const req = c.request()
    const out = await h.transform(structuredClone(req))
    expect(partOf(out, todo).state.output).toBe(BIG("todo"))
    expect(out[0]).toEqual(req[0])
    expect(out[2]).toEqual(req[2])
  })
})

describe("context pruning beside OpenCode's own prune", () => {
  test("a reference whose copy OpenCode has since cleared is undone at once", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const first = c.read("a.ts", BIG("a"))
    const second = c.read("a.ts", BIG("a"))
    let out = await h.transform(c.request())
    expect(partOf(out, second).state.output).toContain("is unchanged: exactly what the earlier read call")
    // OpenCode's compaction.prune marks the first copy compacted in storage.
    const part = partOf(c.messages, first) as { state: { time: Record<string, number> } }
    part.state.time.compacted = 1
    out = await h.transform(c.request())
    expect(partOf(out, second).state.output).toBe(readOutput(`${DIR}/a.ts`, BIG("a")))
  })
})
