/** Builders for events in the shape OpenCode 1.18.33 sends them (see test/fixtures/events). */
export const ev = {
  assistant(
    sessionID: string,
    id: string,
    tokens: Partial<{ input: number; output: number; read: number; write: number }>,
    extra: Record<string, unknown> = {},
  ) {
    return {
      type: "message.updated",
      properties: {
        sessionID,
        info: {
          id,
          sessionID,
          role: "assistant",
          mode: "build",
          agent: "build",
          providerID: "scripted",
          modelID: "scripted-model",
          time: { created: 1 },
          tokens: {
            input: tokens.input ?? 0,
            output: tokens.output ?? 0,
            reasoning: 0,
            cache: { read: tokens.read ?? 0, write: tokens.write ?? 0 },
          },
          ...extra,
        },
      },
    }
  },
  user(sessionID: string, id: string, extra: Record<string, unknown> = {}) {
    return {
      type: "message.updated",
      properties: {
        sessionID,
        info: {
          id,
          sessionID,
          role: "user",
          agent: "build",
          model: { providerID: "scripted", modelID: "scripted-model" },
          time: { created: 1 },
          ...extra,
        },
      },
    }
  },
  /** A text part; `extra` adds fields such as `synthetic: true` or `ignored: true`. */
  textPart(sessionID: string, messageID: string, partID: string, text: string, extra: Record<string, unknown> = {}) {
    return {
      type: "message.part.updated",
      properties: { sessionID, part: { id: partID, sessionID, messageID, type: "text", text, ...extra } },
    }
  },
  /** A part of another type, e.g. the `compaction` part of OpenCode's compaction request. */
  otherPart(sessionID: string, messageID: string, partID: string, type: string, extra: Record<string, unknown> = {}) {
    return {
      type: "message.part.updated",
      properties: { sessionID, part: { id: partID, sessionID, messageID, type, ...extra } },
    }
  },
  toolPart(sessionID: string, messageID: string, partID: string, tool: string, output?: string) {
    const state =
      output === undefined
        ? { status: "running", input: {} }
        : { status: "completed", input: {}, output, title: "", metadata: {} }
    return {
      type: "message.part.updated",
      properties: { sessionID, part: { id: partID, sessionID, messageID, type: "tool", tool, callID: partID, state } },
    }
  },
  delta(sessionID: string, messageID: string, partID: string, delta: string) {
    return { type: "message.part.delta", properties: { sessionID, messageID, partID, field: "text", delta } }
  },
  status(sessionID: string, type: "idle" | "busy") {
    return { type: "session.status", properties: { sessionID, status: { type } } }
  },
  idle(sessionID: string) {
    return { type: "session.idle", properties: { sessionID } }
  },
  compacted(sessionID: string) {
    return { type: "session.compacted", properties: { sessionID } }
  },
  deleted(sessionID: string) {
    return { type: "session.deleted", properties: { sessionID, info: { id: sessionID } } }
  },
  removed(sessionID: string, messageID: string) {
    return { type: "message.removed", properties: { sessionID, messageID } }
  },
  todos(sessionID: string, todos: Array<{ content: string; status: string; priority?: string }>) {
    return { type: "todo.updated", properties: { sessionID, todos } }
  },
  created(sessionID: string, parentID?: string) {
    return { type: "session.created", properties: { sessionID, info: { id: sessionID, parentID, title: "t" } } }
  },
  /** session.error; `data` replaces the default `{ message: name }` (e.g. `{ message, statusCode: 401 }`). */
  error(sessionID: string, name: string, data: Record<string, unknown> = { message: name }) {
    return { type: "session.error", properties: { sessionID, error: { name, data } } }
  },
}
