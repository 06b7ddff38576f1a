import { describe, expect, test } from "bun:test"
import { canonicalJson } from "../../src/hooks/context-pruning/keys"
import { Conversation, DIR, partOf, readOutput } from "../../testkit/conversation"
import { AWAY, BIG, setup } from "../helpers/pruning"

const filler = (c: Conversation, n: number, tag = "echo") =>
  Array.from({ length: n }, (_, i) => c.bash(`${tag} ${i}`, BIG(`${tag} ${i}`)))

describe("context pruning: edges a real session can reach", () => {
  test("when the history shrinks (OpenCode's undo), results that are among the newest again go in full", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const parts = filler(c, 15)
    c.pause(AWAY).user("back")
    let out = await h.transform(c.request())
    expect(partOf(out, parts[4]!).state.output).toMatch(/^\[longrun\] Left out/)
    // The person undoes the last five steps and their own message.
    c.messages.splice(c.messages.length - 6, 6)
    out = await h.transform(c.request())
    for (const id of parts.slice(0, 10)) expect(partOf(out, id).state.output).not.toContain("[longrun]")
  })

  test("an id reused by another call does not inherit the first call's decision", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const old = c.bash("cat first.txt", BIG("first"))
    filler(c, 10)
    c.pause(AWAY).user("back")
    let out = await h.transform(c.request())
    expect(partOf(out, old).state.output).toMatch(/^\[longrun\] Left out/)
    // Another plugin's transform drops the old part and gives a new call its id.
    const reused = c.bash("cat second.txt", BIG("second"))
    const part = c.messages.at(-1)!.parts[1] as { id: string }
    part.id = old
    c.messages.splice(1, 1)
    out = await h.transform(c.request())
    expect(partOf(out, old).state.output).toBe(BIG("second"))
    expect(reused).toBeDefined()
  })

  test("a copy that a recent reference points at is not left out: that would send its content again", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const holder = c.bash("git diff", BIG("diff", 40_000))
    filler(c, 9, "ls")
    const ref = c.bash("git diff", BIG("diff", 40_000))
    c.pause(AWAY).user("back")
    const out = await h.transform(c.request())
    expect(partOf(out, ref).state.output).toMatch(/^\[longrun\] Same output as the earlier identical bash call/)
    expect(partOf(out, holder).state.output).toBe(BIG("diff", 40_000))
  })

  test("a cleared part's left-out arguments stay left out (OpenCode still sends them)", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const w1 = c.write("g.ts", BIG("gen 1", 20_000))
    c.write("g.ts", BIG("gen 2"))
    filler(c, 10)
    c.pause(AWAY).user("back")
    let out = await h.transform(c.request())
    expect(partOf(out, w1).state.input.content).toMatch(/^\[longrun: /)
    ;(c.messages[1]!.parts[1] as { state: { time: Record<string, number> } }).state.time.compacted = 1
    out = await h.transform(c.request())
    expect(partOf(out, w1).state.input.content).toMatch(/^\[longrun: /)
  })

  test("a reference to an error stays when that call's long arguments are left out", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const err = `Error: oldString not found\n${BIG("context", 400)}`
    const e1 = c.tool("edit", { filePath: `${DIR}/a.ts`, oldString: BIG("old", 1000), newString: "x" }, { error: err })
    const e2 = c.tool("edit", { filePath: `${DIR}/b.ts`, oldString: "y", newString: "x" }, { error: err })
    filler(c, 9)
    c.pause(AWAY).user("back")
    const first = await h.transform(c.request())
    const refText = partOf(first, e2).state.error
    expect(refText).toMatch(/^\[longrun\] Same error/)
    expect(partOf(first, e1).state.input.oldString).toMatch(/^\[longrun: /)
    c.bash("ls", "ok\n")
    const next = await h.transform(c.request())
    expect(partOf(next, e2).state.error).toBe(refText)
  })

  test("an id that does not survive a copy (a lone surrogate) is left alone and costs nothing per request", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const id = c.bash("cat x", BIG("x"))
    ;(c.messages[1]!.parts[1] as { id: string }).id = `${id}\ud800`
    for (let i = 0; i < 5; i++) await h.transform(c.request())
    const bytes = h.state()!.factBytes
    for (let i = 0; i < 20; i++) await h.transform(c.request())
    expect(h.state()!.factBytes).toBe(bytes)
  })

  test("arguments that share sub-objects cannot make comparing calls explode", () => {
    let v: unknown = "leaf"
    for (let i = 0; i < 30; i++) v = { a: v, b: v }
    const t0 = performance.now()
    expect(() => canonicalJson(v)).toThrow()
    expect(performance.now() - t0).toBeLessThan(5_000)
  })

  test("a stale read of an unchanged file is still sent when nothing else holds its content", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const a = c.read("a.ts", BIG("a"))
    filler(c, 10)
    const out = await h.transform(c.request())
    expect(partOf(out, a).state.output).toBe(readOutput(`${DIR}/a.ts`, BIG("a")))
  })
})
