import type { PluginInput } from "@opencode-ai/plugin"
import type { Clock, TimerHandle } from "./clock"

export type Client = PluginInput["client"]

export interface CallPolicy {
  /** timeout for any call without its own */
  defaultTimeoutMs: number
  /** per call name ("session.summarize", ...) */
  timeouts?: Record<string, number>
}

export class CallTimeoutError extends Error {
  constructor(
    readonly call: string,
    readonly ms: number,
  ) {
    super(`${call} did not answer within ${ms} ms`)
    this.name = "CallTimeoutError"
  }
}

export interface CallStats {
  counts: Map<string, number>
  timedOut: Map<string, number>
  inFlight: () => number
  /** Ends every call still waiting (aborts its request, rejects its promise) and refuses new ones. */
  abortAll: (reason: string) => void
}

interface InFlight {
  controller: AbortController
  fail: (err: Error) => void
}

/**
 * Wraps OpenCode's client: every call the plugin makes is counted by name (the
 * counts let tests prove hot paths never read history), gets an AbortSignal and a
 * timeout on the plugin's clock, and is ended by abortAll() on dispose. A hung call
 * therefore always settles, and nothing waits on OpenCode after the plugin is gone.
 */
export function wrapClient(client: Client, clock: Clock, policy: CallPolicy): { client: Client; stats: CallStats } {
  const counts = new Map<string, number>()
  const timedOut = new Map<string, number>()
  const live = new Set<InFlight>()
  let closed: string | undefined

  const call = (name: string, fn: (...a: unknown[]) => unknown, self: object, args: unknown[]): Promise<unknown> => {
    if (closed !== undefined) return Promise.reject(new Error(closed))
    counts.set(name, (counts.get(name) ?? 0) + 1)
    const ms = policy.timeouts?.[name] ?? policy.defaultTimeoutMs
    const controller = new AbortController()
    const first = args[0]
    const withSignal =
      first === undefined || (typeof first === "object" && first !== null && !Array.isArray(first))
        ? [{ ...(first as object | undefined), signal: controller.signal }, ...args.slice(1)]
        : args
    return new Promise((resolve, reject) => {
      let settled = false
      let timer: TimerHandle | undefined
      let unlink: (() => void) | undefined
      const done = (ok: boolean, value: unknown) => {
        if (settled) return
        settled = true
        if (timer) clock.clear(timer)
        unlink?.()
        live.delete(flight)
        if (ok) resolve(value)
        else reject(value)
      }
      const flight: InFlight = { controller, fail: (err) => done(false, err) }
      live.add(flight)
      timer = clock.setTimeout(() => {
        timedOut.set(name, (timedOut.get(name) ?? 0) + 1)
        done(false, new CallTimeoutError(name, ms))
        controller.abort()
      }, ms)
      controller.signal.addEventListener("abort", () => done(false, new Error(`${name} was aborted`)), { once: true })
      // A caller's own signal (an attempt it gave up on) ends the call as well.
      const callerSignal = (first as { signal?: unknown } | undefined)?.signal
      if (callerSignal instanceof AbortSignal) {
        const follow = () => controller.abort()
        if (callerSignal.aborted) controller.abort()
        else {
          callerSignal.addEventListener("abort", follow, { once: true })
          unlink = () => callerSignal.removeEventListener("abort", follow)
        }
      }
      if (settled) return
      try {
        Promise.resolve(fn.apply(self, withSignal)).then(
          (v) => done(true, v),
          (e) => done(false, e),
        )
      } catch (err) {
        done(false, err)
      }
    })
  }

  const namespaces = new Map<string, object>()
  const wrapNamespace = (ns: string, target: object, owner: object): object =>
    new Proxy(target, {
      get(obj, prop, receiver) {
        const value = Reflect.get(obj, prop, receiver)
        if (typeof value !== "function" || typeof prop !== "string") return value
        return (...args: unknown[]) => call(`${ns}.${prop}`, value as (...a: unknown[]) => unknown, obj, args)
      },
      // A namespace that is itself callable: a direct call goes through the wrapper too.
      apply(fn, _self, args) {
        return call(ns, fn as (...a: unknown[]) => unknown, owner, args)
      },
    })
  // Namespaces may be functions (a proxy, a bound wrapper), not only objects: every one is
  // wrapped, or its calls would escape the timeout and the abort on dispose.
  const wrapped = new Proxy(client as object, {
    get(obj, prop, receiver) {
      const value = Reflect.get(obj, prop, receiver)
      if (typeof prop !== "string" || value === null || (typeof value !== "object" && typeof value !== "function")) return value
      let ns = namespaces.get(prop)
      if (!ns) {
        ns = wrapNamespace(prop, value, obj)
        namespaces.set(prop, ns)
      }
      return ns
    },
  })
  const abortAll = (reason: string) => {
    closed = reason
    for (const flight of [...live]) {
      flight.fail(new Error(reason))
      flight.controller.abort()
    }
  }
  return { client: wrapped as Client, stats: { counts, timedOut, inFlight: () => live.size, abortAll } }
}
