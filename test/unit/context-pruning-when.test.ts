import { describe, expect, test } from "bun:test"
import { Conversation, DIR, partOf, readOutput } from "../../testkit/conversation"
import { AWAY, BIG, setup } from "../helpers/pruning"

/** n small bash calls: pushes older results out of the newest-10 window. */
function filler(c: Conversation, n = 10) {
  for (let i = 0; i < n; i++) c.bash(`echo ${i}`, `${i}\n`)
}

describe("context pruning: what is left out when, and how to get it back", () => {
  test("while the cache is warm and nothing pays, stale copies stay and the prefix stays byte-identical", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const old = c.read("a.ts", BIG("old"))
    c.read("a.ts", BIG("new"))
    for (let i = 0; i < 10; i++) c.bash(`cat part${i}.txt`, BIG(`part ${i}`))
    const first = await h.transform(c.request())
    c.bash("ls", "a.ts\n")
    const second = await h.transform(c.request())
    expect(partOf(second, old).state.output).toBe(readOutput(`${DIR}/a.ts`, BIG("old")))
    expect(second.slice(0, first.length)).toEqual(first)
    expect(h.state()!.moments).toBe(0)
  })

  test("a change that removes more than follows it costs less than none, so it is made at once", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const old = c.bash("cat big.log", BIG("log", 40_000))
    filler(c, 10)
    const out = await h.transform(c.request())
    expect(partOf(out, old).state.output).toMatch(/^\[longrun\] Left out: the output of this bash call/)
    expect(h.state()!.lastMoment!.cold).toBe(false)
    expect(h.state()!.lastMoment!.extraDollars).toBeLessThan(0)
  })

  test("when the person comes back past the cache's lifetime, old results go at once, each saying how to recall it", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const view = c.bash(`cat ${DIR}/src/app.py`, BIG("app v1"))
    c.tool("edit", { filePath: `${DIR}/src/app.py`, oldString: "a", newString: "b" }, { output: "Edit applied successfully." })
    const run1 = c.bash("pytest -q", `${BIG("PASSED test_a")}1 failed in 2.1s\n`)
    const run2 = c.bash("pytest -q", `${BIG("PASSED test_a")}2 failed in 2.3s\n`)
    const other = c.bash("ls -R", BIG("listing"))
    filler(c, 10)
    c.pause(AWAY).user("back")
    const out = await h.transform(c.request())
    expect(partOf(out, view).state.output).toMatch(
      /^\[longrun\] Left out: an older view of project\/src\/app\.py \([\d,]+ chars\)\. The file changed after it \(edit call call_\d+\); read it again for its current content\. longrun_recall \{"call":"call_\d+"\} returns it in full\./,
    )
    expect(partOf(out, run1).state.output).toMatch(
      /^\[longrun\] Left out: an older run of this bash call .* ran it again later with nearly the same output/,
    )
    expect(partOf(out, run2).state.output).toMatch(/^\[longrun\] Left out: the output of this bash call/)
    expect(partOf(out, other).state.output).toContain("older than the newest 10 tool results")
    expect(h.state()!.lastMoment!.cold).toBe(true)
  })

  test("a long step (a tool that ran past the cache's lifetime) is a cold moment too", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const old = c.bash("cat big.log", BIG("log"))
    for (let i = 0; i < 10; i++) c.bash(`cat part${i}.txt`, BIG(`part ${i}`))
    const before = await h.transform(c.request())
    expect(partOf(before, old).state.output).toBe(BIG("log"))
    c.bash("make test", "ok\n")
    const last = c.messages[c.messages.length - 1]!.info as { time: { created: number; completed: number } }
    last.time.completed = last.time.created + AWAY
    const out = await h.transform(c.request())
    expect(partOf(out, old).state.output).toMatch(/^\[longrun\] Left out/)
    expect(h.state()!.lastMoment!.cold).toBe(true)
  })

  test("pruning_moments: cold waits for a cold cache; always prunes at once", async () => {
    for (const [mode, expected] of [
      ["cold", false],
      ["always", true],
    ] as const) {
      const h = await setup({ pruning_moments: mode })
      const c = new Conversation().user("go")
      const old = c.bash("cat big.log", BIG("log", 200_000))
      filler(c, 10)
      for (let i = 0; i < 40; i++) c.bash(`echo ${i}`, `${i}\n`)
      const out = await h.transform(c.request())
      expect(partOf(out, old).state.output.startsWith("[longrun]")).toBe(expected)
    }
  })

  test("a superseded write's content and a failed call's long arguments go at a moment; a repeated error is a reference at once", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const w1 = c.write("g.ts", BIG("gen 1"))
    c.write("g.ts", BIG("gen 2"))
    const err = "Error: oldString not found in content"
    const e1 = c.tool(
      "edit",
      { filePath: `${DIR}/a.ts`, oldString: BIG("old text", 1000), newString: "x" },
      { error: `${err}\n${BIG("ctx")}` },
    )
    const e2 = c.tool(
      "edit",
      { filePath: `${DIR}/a.ts`, oldString: BIG("old text", 1000), newString: "x" },
      { error: `${err}\n${BIG("ctx")}` },
    )
    let out = await h.transform(c.request())
    expect(partOf(out, e2).state.error).toMatch(/^\[longrun\] Same error as the earlier identical edit call call_\d+/)
    filler(c, 10)
    c.pause(AWAY).user("back")
    out = await h.transform(c.request())
    expect(partOf(out, w1).state.input.content).toMatch(
      /^\[longrun: [\d,]+ chars left out; project\/g\.ts was changed again later by the write call call_\d+/,
    )
    expect(partOf(out, e1).state.input.oldString).toMatch(/^\[longrun: [\d,]+ chars of a failed call's argument left out\]$/)
    expect(partOf(out, e1).state.input.newString).toBe("x")
  })

  test("each strategy can be turned off", async () => {
    const off = {
      pruning_dedupe: false,
      pruning_repeated_errors: false,
      pruning_superseded_reads: false,
      pruning_superseded_writes: false,
      pruning_failed_inputs: false,
      pruning_near_duplicates: false,
      pruning_mask_old: false,
    }
    const h = await setup(off)
    const c = new Conversation().user("go")
    c.bash("npm test", BIG("t"))
    c.bash("npm test", BIG("t"))
    c.read("a.ts", BIG("old"))
    c.read("a.ts", BIG("new"))
    c.write("g.ts", BIG("1"))
    c.write("g.ts", BIG("2"))
    filler(c, 10)
    c.pause(AWAY).user("back")
    const req = c.request()
    expect(await h.transform(structuredClone(req))).toEqual(req)
  })

  test("the placeholder of a capped output points at the saved full output too", async () => {
    const h = await setup()
    const c = new Conversation().user("go")
    const capped = `${BIG("head")}\n\n[longrun] Output truncated: 90,000 bytes in all; the first and last 4,096 characters are shown. The full output is saved in /data/out/call_1.txt; read it with the read tool if you need the middle.\n\n<content>`
    const old = c.tool("read", { filePath: `${DIR}/big.log` }, { output: capped })
    c.read("big.log", BIG("now"))
    filler(c, 10)
    c.pause(AWAY).user("back")
    const out = await h.transform(c.request())
    expect(partOf(out, old).state.output).toContain("Its full output was also saved in /data/out/call_1.txt.")
  })

  test("a large prune shows a toast; the status section reports it", async () => {
    const h = await setup({ pruning_toast_chars: 5_000 })
    const c = new Conversation().user("go")
    for (let i = 0; i < 3; i++) c.read("a.ts", BIG(`v${i}`))
    filler(c, 10)
    c.pause(AWAY).user("back")
    await h.transform(c.request())
    const toasts = h.fake.toasts()
    expect(toasts).toHaveLength(1)
    expect(toasts[0]!.message).toMatch(
      /^Left [\d,]+ characters of older tool output \(3 parts\) .* while the prompt cache was cold anyway/,
    )
    const section = h.internals.hooks.find((x) => x.name === "context-pruning")!.status!()!
    expect(section.title).toBe("context pruning")
    expect((section.data as any).sessions[0].lastRequest.byStrategy["superseded-read"].parts).toBe(2)
    expect(section.text).toContain("cache cold")
  })

  test("longrun_recall returns the original with one message read", async () => {
    const stored = BIG("the original output")
    const h = await setup(
      {},
      {
        "session.message": () => ({
          data: { parts: [{ type: "tool", callID: "call_4", state: { status: "completed", output: stored } }] },
        }),
      },
    )
    const c = new Conversation().user("go")
    const old = c.bash("cat notes.txt", stored)
    filler(c, 10)
    c.pause(AWAY).user("back")
    const out = await h.transform(c.request())
    const callID = /longrun_recall \{"call":"(call_\d+)"\}/.exec(partOf(out, old).state.output)![1]!
    const recall = h.internals.hooks.find((x) => x.name === "context-pruning")!.tools!.longrun_recall!
    const text = await recall.execute({ call: callID }, { sessionID: "ses_test" } as never)
    expect(text).toBe(stored)
    expect(h.fake.named("session.message")).toHaveLength(1)
    expect((h.fake.named("session.message")[0]!.args as any).path.messageID).toBe(c.messages[1]!.info.id)
    expect(await recall.execute({ call: "call_999" }, { sessionID: "ses_test" } as never)).toContain("no left-out result")
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
