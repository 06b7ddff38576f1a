import { describe, expect, test } from "bun:test"
import { parseEvent } from "../../src/events/parse"
import { EVENT_TYPES } from "../../src/events/types"
import { allFixtures, fixture } from "../helpers/fixtures"
import { pluginHarness } from "../../testkit/plugin-harness"

describe("recorded OpenCode 1.18.33 payloads", () => {
  test("every recorded event of a consumed type parses, with its session id; the rest are ignored", () => {
    const known = new Set<string>(EVENT_TYPES)
    const events = allFixtures()
    const consumed = events.filter(({ event }) => known.has(event.type))
    expect(consumed.length).toBeGreaterThan(20)
    for (const { file, event } of consumed) {
      const parsed = parseEvent({ event })
      expect({ file, type: parsed?.type as string | undefined, sid: parsed?.sessionID?.startsWith("ses_") }).toEqual({
        file,
        type: event.type,
        sid: true,
      })
    }
    for (const { file, event } of events.filter(({ event }) => !known.has(event.type))) {
      expect({ file, parsed: parseEvent({ event }) }).toEqual({ file, parsed: undefined })
    }
  })

  test("replaying every fixture through the plugin fills the store with what hooks need", async () => {
    const h = await pluginHarness()
    for (const { event } of allFixtures()) await h.send(event)
    const assistant = fixture("message.updated.assistant").find((e) => e.properties.info.tokens.input > 0)!
    const entry = h.internals.ctx.store.peek(assistant.properties.sessionID)!
    expect(entry.agent).toBe("build")
    expect(entry.providerID).toBe("scripted")
    expect(entry.modelID).toBe("scripted-model")
    expect(entry.usage!.total).toBeGreaterThan(0)
    expect(entry.messages.size).toBeGreaterThan(0)
    const todos = fixture("todo.updated")[0]!
    expect(h.internals.ctx.store.peek(todos.properties.sessionID)!.todos).toHaveLength(todos.properties.todos.length)
    // The recording has a child session (the task in record-fixtures.ts); it must, or this proves nothing.
    const child = fixture("session.created").find((e) => e.properties.info.parentID)
    expect(child?.properties.info.parentID).toStartWith("ses_")
    expect(h.internals.ctx.store.peek(child!.properties.info.id)?.parentID).toBe(child!.properties.info.parentID)
    // no errors were logged by any hook while replaying real traffic
    expect(h.fake.logs().filter((l) => l.level === "error")).toEqual([])
  })

  test("a streaming delta adds to its part's size", async () => {
    const h = await pluginHarness()
    const [d] = fixture("message.part.delta")
    await h.send(d)
    const entry = h.internals.ctx.store.peek(d!.properties.sessionID)!
    expect(entry.textBytes).toBe(Buffer.byteLength(d!.properties.delta))
  })

  test("compaction summary messages are recognised", async () => {
    const h = await pluginHarness()
    const [summary] = fixture("message.updated.assistant-summary")
    await h.send(summary)
    const entry = h.internals.ctx.store.peek(summary!.properties.sessionID)!
    expect(entry.messages.get(summary!.properties.info.id)!.summary).toBe(true)
    expect(entry.usage).toBeUndefined()
  })

  test("an aborted session's error carries MessageAbortedError, with the session id the hooks read", () => {
    const aborted = fixture("session.error").find((e) => e.properties.error?.name === "MessageAbortedError")
    expect(aborted).toBeDefined()
    expect(parseEvent({ event: aborted })?.sessionID).toStartWith("ses_")
  })
})
