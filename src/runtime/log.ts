import type { Client } from "./client-calls"
export type LogLevel = "debug" | "info" | "warn" | "error"
export type ToastVariant = "info" | "success" | "warning" | "error"

export const SERVICE = "opencode-longrun"
/** OpenCode prints log lines without the service field: the prefix makes ours findable. */
export const LOG_PREFIX = "[longrun] "

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`
  try {
    return JSON.stringify(err)
  } catch {
    return String(err)
  }
}

/**
 * Logging and toasts through OpenCode's own client. Both are fire-and-forget and
 * swallow their own failures: reporting a problem must never become one.
 */
/** Log and toast calls waiting for OpenCode at once; with a hung host, more are dropped and counted. */
const MAX_IN_FLIGHT = 16

export class Logger {
  private readonly lastErrorAt = new Map<string, number>()
  private readonly suppressed = new Map<string, number>()
  private inFlight = 0
  /** log lines and toasts dropped because too many were still waiting */
  dropped = 0

  constructor(
    private readonly client: Client,
    private readonly opts: { errorIntervalMs: number; now: () => number },
  ) {}

  /** Fire and forget, at most MAX_IN_FLIGHT waiting: each call also has the client's timeout. */
  private send(call: () => unknown): void {
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.dropped++
      return
    }
    this.inFlight++
    try {
      void Promise.resolve(call())
        .catch(() => {})
        .finally(() => this.inFlight--)
    } catch {
      // the client itself may be missing in a broken host; nothing else to do
      this.inFlight--
    }
  }

  log(level: LogLevel, message: string, extra?: Record<string, unknown>): void {
    this.send(() => this.client.app.log({ body: { service: SERVICE, level, message: LOG_PREFIX + message, extra } }))
  }

  toast(message: string, variant: ToastVariant = "info", title = "longrun", duration?: number): void {
    this.send(() => this.client.tui.showToast({ body: { title, message, variant, ...(duration ? { duration } : {}) } }))
  }

  /**
   * A hook failed. Logs the first error of each hook at once, then at most one per
   * interval, counting what it held back, so a broken hook cannot flood the log.
   */
  hookError(hook: string, where: string, err: unknown): void {
    const now = this.opts.now()
    const last = this.lastErrorAt.get(hook)
    if (last !== undefined && now - last < this.opts.errorIntervalMs) {
      this.suppressed.set(hook, (this.suppressed.get(hook) ?? 0) + 1)
      return
    }
    const held = this.suppressed.get(hook) ?? 0
    this.suppressed.delete(hook)
    this.lastErrorAt.set(hook, now)
    const note = held > 0 ? ` (${held} more error(s) from this hook suppressed)` : ""
    this.log("error", `hook ${hook} failed in ${where}${note}: ${describe(err)}`, { hook, where })
  }

  get suppressedCount(): number {
    let n = 0
    for (const v of this.suppressed.values()) n += v
    return n
  }
}
