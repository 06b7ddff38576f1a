import { describe, expect, test } from "bun:test"
import {
  compatGaps,
  compareVersions,
  parseVersion,
  topLevelSessionIDFromEvent,
  versionFromHealth,
  versionNextToBinary,
} from "../../src/compat"
import { createLongrun } from "../../src/plugin"
import { fakeClient } from "../../testkit/fake-client"
import { fakeClock } from "../../testkit/fake-clock"

const hooksOff = (version?: string) => compatGaps({ version }).map((g) => g.hook)
const BACKCALLS = ["preemptive-compaction", "background-agents"]

describe("compat: hooks a release cannot carry", () => {
  test("versions parse and compare numerically", () => {
    expect(parseVersion("1.18.33")).toEqual([1, 18, 33])
    expect(parseVersion("v1.2.27\n")).toEqual([1, 2, 27])
    expect(parseVersion("1.18")).toBeUndefined()
    expect(parseVersion(118)).toBeUndefined()
    expect(compareVersions([1, 17, 11], [1, 9, 99])).toBeGreaterThan(0)
    expect(compareVersions([1, 17, 10], [1, 17, 11])).toBeLessThan(0)
  })

  test("1.15.0 to 1.17.10: the hooks whose calls back into OpenCode go astray turn off, with the reason", () => {
    for (const v of ["1.15.0", "1.15.13", "1.17.0", "1.17.10"]) expect(hooksOff(v)).toEqual(expect.arrayContaining(BACKCALLS))
    // Measured: its continuation prompt still reaches the model on 1.15.13.
    expect(hooksOff("1.15.13")).not.toContain("todo-continuation")
    const gap = compatGaps({ version: "1.15.13" }).find((g) => g.hook === "background-agents")!
    expect(gap.reason).toContain("second instance")
    expect(gap.reason).toContain("1.17.11")
  })

  test("1.15.0 alone also loses the context monitor (no message events)", () => {
    expect(hooksOff("1.15.0")).toContain("context-window-monitor")
    expect(hooksOff("1.15.13")).not.toContain("context-window-monitor")
  })

  test("releases the compat run passed keep every hook; an unknown host keeps them too", () => {
    for (const v of ["1.14.41", "1.17.11", "1.17.19", "1.18.14", "1.18.33", "2.0.0"]) expect(hooksOff(v)).toEqual([])
    expect(hooksOff(undefined)).toEqual([])
    expect(hooksOff("nightly")).toEqual([])
  })

  test("each hook appears once even when several ranges match", () => {
    const hooks = hooksOff("1.15.0")
    expect(new Set(hooks).size).toBe(hooks.length)
  })
})

describe("compat: learning the host's version", () => {
  const files: Record<string, string> = {
    "/u/node_modules/opencode-ai/package.json": JSON.stringify({ name: "opencode-ai", version: "1.18.33" }),
    "/c/node_modules/opencode-linux-x64/package.json": JSON.stringify({ name: "opencode-linux-x64", version: "1.1.65" }),
    "/home/me/.local/package.json": JSON.stringify({ name: "my-dotfiles", version: "3.0.0" }),
    "/broken/x/package.json": "{",
  }
  const read = (p: string) => files[p]

  test("from the package.json next to an npm-installed binary", () => {
    expect(versionNextToBinary("/u/node_modules/opencode-ai/bin/opencode.exe", read)).toBe("1.18.33")
    expect(versionNextToBinary("/c/node_modules/opencode-linux-x64/bin/opencode", read)).toBe("1.1.65")
  })

  test("not from an unrelated or broken package.json, nor a missing one", () => {
    expect(versionNextToBinary("/home/me/.local/bin/opencode", read)).toBeUndefined()
    expect(versionNextToBinary("/broken/x/bin/opencode", read)).toBeUndefined()
    expect(versionNextToBinary("/usr/bin/opencode", read)).toBeUndefined()
    expect(versionNextToBinary("opencode", read)).toBeUndefined()
  })

  test("from a /global/health answer", () => {
    expect(versionFromHealth({ healthy: true, version: "1.2.27" })).toBe("1.2.27")
    expect(versionFromHealth({ healthy: true })).toBeUndefined()
    expect(versionFromHealth(null)).toBeUndefined()
  })

  test("event shapes: top-level sessionID (1.14.41 on) or only inside info/part (older)", () => {
    expect(
      topLevelSessionIDFromEvent({ type: "message.updated", properties: { sessionID: "s", info: { sessionID: "s" } } }),
    ).toBe(true)
    expect(topLevelSessionIDFromEvent({ type: "message.updated", properties: { info: { sessionID: "s" } } })).toBe(false)
    expect(topLevelSessionIDFromEvent({ type: "message.part.updated", properties: { part: { sessionID: "s" } } })).toBe(false)
    expect(topLevelSessionIDFromEvent({ type: "session.idle", properties: { sessionID: "s" } })).toBeUndefined()
    expect(topLevelSessionIDFromEvent({ type: "message.updated", properties: "x" })).toBeUndefined()
    expect(topLevelSessionIDFromEvent(null)).toBeUndefined()
  })
})

describe("the plugin on a host release that cannot carry some hooks", () => {
  test("those hooks stay off, the rest run, and longrun_status says why", async () => {
    const fake = fakeClient()
    const { hooks, internals } = await createLongrun(fake.input, {}, { clock: fakeClock().clock, hostVersion: "1.16.2" })
    const names = internals.hooks.map((h) => h.name)
    expect(names).not.toContain("background-agents")
    expect(names).not.toContain("preemptive-compaction")
    expect(names).toContain("todo-continuation")
    expect(hooks.tool!.background_task).toBeUndefined()
    const text = String(await hooks.tool!.longrun_status!.execute({ scope: "all" } as never, { sessionID: "s" } as never))
    expect(text).toContain("hooks off on OpenCode 1.16.2")
    expect(text).toMatch(/background-agents: .+/)
  })

  test("on the pinned release every hook runs", async () => {
    const { internals } = await createLongrun(fakeClient().input, {}, { clock: fakeClock().clock, hostVersion: "1.18.33" })
    expect(internals.hooks.map((h) => h.name)).toContain("background-agents")
  })
})
