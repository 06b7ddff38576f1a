/**
 * One setting reaches both halves (issue 20 item 2): the TUI reads the folder the server
 * half writes, learnt from the server's config, and reports a tui.json `dir` that disagrees.
 */
import { describe, expect, test } from "bun:test"
import { isOurServer, locateDir } from "../../src/tui/locate"

const ROOT = "/opt/opencode-longrun"
const entry = (opts?: Record<string, unknown>) => (opts ? [`file://${ROOT}/src/index.ts`, opts] : `file://${ROOT}/src/index.ts`)

describe("where the TUI half reads", () => {
  test("the server's sidebar_dir, absolute or relative to the project", () => {
    const at = (sidebar_dir: string) =>
      locateDir({ plugins: [entry({ sidebar_dir })], statePath: "/s/opencode", directory: "/p" }, undefined, {}, ROOT)
    expect(at("/custom/side")).toEqual({ dir: "/custom/side", serverFound: true })
    expect(at("rel/side").dir).toBe("/p/rel/side")
  })

  test("without sidebar_dir, the server's own state folder (not the TUI's environment)", () => {
    const l = locateDir({ plugins: [entry()], statePath: "/srv/state/opencode" }, undefined, { XDG_STATE_HOME: "/tui" }, ROOT)
    expect(l.dir).toBe("/srv/state/opencode-longrun/sidebar")
  })

  test("a tui.json dir that disagrees is reported, and the server's folder wins", () => {
    const l = locateDir({ plugins: [entry({ sidebar_dir: "/a" })], directory: "/p" }, "/b", {}, ROOT)
    expect(l.dir).toBe("/a")
    expect(l.problem).toContain("≠")
    expect(l.detail).toContain("/b")
    expect(locateDir({ plugins: [entry({ sidebar_dir: "/a" })] }, "/a", {}, ROOT).problem).toBeUndefined()
  })

  test("the server half missing from the server's config is said, and the TUI's own choice is read", () => {
    const l = locateDir({ plugins: ["some-other-plugin"] }, "/mine", {}, ROOT)
    expect(l).toMatchObject({ dir: "/mine", serverFound: false })
    expect(l.problem).toBeDefined()
  })

  test("npm specs and file URLs of this package are recognised; its TUI module and others are not", () => {
    expect(isOurServer("opencode-longrun", ROOT)).toBe(true)
    expect(isOurServer("opencode-longrun@0.2.0", ROOT)).toBe(true)
    expect(isOurServer("file:///x/node_modules/opencode-longrun/dist/index.js", ROOT)).toBe(true)
    expect(isOurServer(`file://${ROOT}/dist/index.js`, ROOT)).toBe(true)
    expect(isOurServer(`file://${ROOT}/src/tui/index.tsx`, ROOT)).toBe(false)
    expect(isOurServer("opencode-longrun-fork", ROOT)).toBe(false)
  })
})
