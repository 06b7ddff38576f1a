import { num, rec, str } from "../events/json"
import { detach } from "../runtime/detach"

export interface ModelLimit {
  context: number
  input?: number
  output?: number
  source: "chat.params" | "catalogue"
}

type ProvidersReader = () => Promise<unknown>

/** Catalogue reads: at most one a minute after a success, backing off after failures. */
const READ_INTERVAL_MS = 60_000
const RETRY_BASE_MS = 5_000
const RETRY_MAX_MS = 10 * 60_000
const MAX_MODELS = 5_000

/**
 * Context limits per provider/model. Learnt from the model object OpenCode passes to
 * chat.params (the exact model of each request); for a model no request has used yet,
 * from the provider catalogue: one read in flight at a time, at most one a minute, so
 * unknown model ids cannot multiply reads, and a failed read is retried later with
 * backoff instead of disabling lookups for good. Never a hard-coded table.
 */
export class ModelLimits {
  private readonly limits = new Map<string, ModelLimit>()
  private inFlight: Promise<void> | undefined
  private nextReadAt = 0
  private failures = 0
  catalogueReads = 0
  lastError: string | undefined

  constructor(
    private readonly readProviders: ProvidersReader,
    private readonly now: () => number,
  ) {}

  static key(providerID: string, modelID: string): string {
    return `${providerID}/${modelID}`
  }

  /** Records the limit from a chat.params model object; returns it if usable. */
  learn(providerID: string, modelID: string, model: unknown): ModelLimit | undefined {
    const limit = parseLimit(model, "chat.params")
    if (limit) this.set(ModelLimits.key(providerID, modelID), limit)
    return limit
  }

  peek(providerID: string, modelID: string): ModelLimit | undefined {
    return this.limits.get(ModelLimits.key(providerID, modelID))
  }

  /** A catalogue read is out: callers that would only wait for it can return instead. */
  get reading(): boolean {
    return this.inFlight !== undefined
  }

  /** The limit for a model, reading the catalogue when allowed. Never rejects. */
  async resolve(providerID: string, modelID: string): Promise<ModelLimit | undefined> {
    const key = ModelLimits.key(providerID, modelID)
    const known = this.limits.get(key)
    if (known) return known
    if (!this.inFlight) {
      if (this.now() < this.nextReadAt) return undefined
      this.inFlight = this.readCatalogue().finally(() => {
        this.inFlight = undefined
      })
    }
    await this.inFlight
    return this.limits.get(key)
  }

  private async readCatalogue(): Promise<void> {
    this.catalogueReads++
    try {
      const res = rec(await this.readProviders())
      if (res?.error) throw new Error(JSON.stringify(res.error).slice(0, 200))
      const data = rec(res?.data) ?? res
      const providers = Array.isArray(data?.providers) ? data.providers : []
      for (const p of providers) {
        const provider = rec(p)
        const pid = str(provider?.id)
        const models = rec(provider?.models)
        if (!pid || !models) continue
        for (const [mid, m] of Object.entries(models)) {
          const key = ModelLimits.key(pid, str(rec(m)?.id) ?? mid)
          if (this.limits.get(key)?.source === "chat.params") continue
          const limit = parseLimit(m, "catalogue")
          if (limit) this.set(key, limit)
        }
      }
      this.failures = 0
      this.lastError = undefined
      this.nextReadAt = this.now() + READ_INTERVAL_MS
    } catch (err) {
      this.failures++
      this.lastError = err instanceof Error ? err.message.slice(0, 200) : String(err).slice(0, 200)
      this.nextReadAt = this.now() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (this.failures - 1))
    }
  }

  private set(key: string, limit: ModelLimit): void {
    if (!this.limits.has(key) && this.limits.size >= MAX_MODELS) return
    this.limits.set(this.limits.has(key) ? key : detach(key, 400), limit)
  }

  get size(): number {
    return this.limits.size
  }
}

function parseLimit(model: unknown, source: ModelLimit["source"]): ModelLimit | undefined {
  const limit = rec(rec(model)?.limit)
  const context = num(limit?.context)
  if (!context || context <= 0) return undefined
  const input = num(limit?.input)
  const output = num(limit?.output)
  return {
    context,
    input: input && input > 0 ? input : undefined,
    output: output && output > 0 ? output : undefined,
    source,
  }
}
