import type { PluginInput } from "@opencode-ai/plugin"

type Client = PluginInput["client"]

/**
 * Wraps OpenCode's client so every call the plugin makes is counted by name
 * ("session.messages", "session.summarize", ...). The counts are reported by
 * longrun_status and let tests prove that hot paths never read session history.
 */
export function countClientCalls(client: Client): { client: Client; counts: Map<string, number> } {
  const counts = new Map<string, number>()
  const wrapNamespace = (ns: string, target: object): object =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver)
        if (typeof value !== "function" || typeof prop !== "string") return value
        const name = `${ns}.${prop}`
        return (...args: unknown[]) => {
          counts.set(name, (counts.get(name) ?? 0) + 1)
          return (value as (...a: unknown[]) => unknown).apply(obj, args)
        }
      },
    })
  const cachedNs = new Map<string, object>()
  const wrapped = new Proxy(client as object, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver)
      if (typeof prop !== "string" || typeof value !== "object" || value === null) return value
      let ns = cachedNs.get(prop)
      if (!ns) {
        ns = wrapNamespace(prop, value)
        cachedNs.set(prop, ns)
      }
      return ns
    },
  })
  return { client: wrapped as Client, counts }
}
