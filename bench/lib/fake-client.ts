import type { PluginInput } from "@opencode-ai/plugin"
import { fakePluginInput } from "../../testkit/fake-client"

type Responder = (args: any) => unknown

/**
 * A stand-in for OpenCode's client. Unlike testkit/fake-client it keeps no log of
 * calls (that log would grow with the session and show up in the heap figures): it only
 * counts calls by name. Each method answers `{ data }` from a responder, default `true`.
 */
export function benchClient(responders: Record<string, Responder> = {}) {
  const counts = new Map<string, number>()
  const namespaces = new Map<string, object>()
  const ns = (name: string) => {
    let found = namespaces.get(name)
    if (!found) {
      const methods = new Map<string, (args: unknown) => Promise<unknown>>()
      found = new Proxy(
        {},
        {
          get(_t, method) {
            if (typeof method !== "string") return undefined
            let fn = methods.get(method)
            if (!fn) {
              const key = `${name}.${method}`
              fn = async (args: unknown) => {
                counts.set(key, (counts.get(key) ?? 0) + 1)
                const respond = responders[key]
                return respond ? await respond(args) : { data: true }
              }
              methods.set(method, fn)
            }
            return fn
          },
        },
      )
      namespaces.set(name, found)
    }
    return found
  }
  const client = new Proxy(
    {},
    { get: (_t, name) => (typeof name === "string" ? ns(name) : undefined) },
  ) as unknown as PluginInput["client"]
  const input = fakePluginInput(client, "bench")
  return { client, input, counts }
}

export const MODEL = { providerID: "scripted", modelID: "scripted-model" }

/** What OpenCode's /config/providers answers for the scripted model, for catalogue lookups. */
export function providersResponse(limit: { context: number; output: number }) {
  return {
    data: {
      providers: [{ id: MODEL.providerID, models: { [MODEL.modelID]: { id: MODEL.modelID, limit } } }],
      default: {},
    },
  }
}
