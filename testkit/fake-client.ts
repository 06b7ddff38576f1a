import type { PluginInput } from "@opencode-ai/plugin"

export interface RecordedCall {
  name: string
  args: unknown
}

type Responder = (args: any) => unknown

/**
 * A stand-in for OpenCode's client in unit tests. Records every call by name; each
 * method answers `{ data }` from a responder you can override per test.
 */
export function fakeClient(responders: Record<string, Responder> = {}) {
  const calls: RecordedCall[] = []
  const handler = (ns: string) =>
    new Proxy(
      {},
      {
        get(_t, method: string) {
          return async (args: unknown) => {
            const name = `${ns}.${method}`
            calls.push({ name, args })
            const respond = responders[name]
            return respond ? await respond(args) : { data: true }
          }
        },
      },
    )
  const client = new Proxy({}, { get: (_t, ns: string) => handler(ns) }) as unknown as PluginInput["client"]
  const input = fakePluginInput(client)
  return {
    client,
    input,
    calls,
    named: (name: string) => calls.filter((c) => c.name === name),
    logs: () =>
      calls.filter((c) => c.name === "app.log").map((c) => (c.args as { body: { level: string; message: string } }).body),
    toasts: () =>
      calls.filter((c) => c.name === "tui.showToast").map((c) => (c.args as { body: { message: string; variant: string } }).body),
  }
}

/** What OpenCode passes a plugin, around a given client, for a project in /tmp. */
export function fakePluginInput(client: PluginInput["client"], projectID = "p"): PluginInput {
  return {
    client,
    project: { id: projectID, worktree: "/tmp", time: { created: 0 } },
    directory: "/tmp",
    worktree: "/tmp",
    experimental_workspace: { register() {} },
    serverUrl: new URL("http://127.0.0.1:0"),
    $: undefined,
  } as unknown as PluginInput
}
