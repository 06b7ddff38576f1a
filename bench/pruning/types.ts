/** What one configuration of the context pruning benchmark measured (shared by run.ts and report.ts). */
export interface RunResult {
  config: string
  ok: boolean
  error?: string
  requests: number
  bodyChars: number
  messageChars: number
  lastBodyChars: number
  perRequest: number[]
  breaks: number
  breakAt: number[]
  turnStarts: number[]
  uncachedChars: number
  stored: unknown[]
  storedHasPlaceholder: boolean
  status?: any
  durationMs: number
}
