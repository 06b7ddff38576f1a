import { num, rec, str } from "../events/parse"

export interface ModelLimit {
  context: number
  input?: number
  output?: number
  source: "chat.params" | "catalogue"
}

type ProvidersReader = () => Promise<unknown>

/**
 * Context limits per provider/model. Learnt from the model object OpenCode passes to
 * chat.params (the exact model of each request); for a model no request has used yet,
 * from one read of the provider catalogue, cached. Never a hard-coded table.
 */
export class ModelLimits {
  private readonly limits = new Map<string, ModelLimit>()
  private catalogue: Promise<void> | undefined
  private readonly catalogueMisses = new Set<string>()
  catalogueReads = 0

  constructor(private readonly readProviders: ProvidersReader) {}

  static key(providerID: string, modelID: string): string {
    return `${providerID}/${modelID}`
  }

  /** Records the limit from a chat.params model object; returns it if usable. */
  learn(providerID: string, modelID: string, model: unknown): ModelLimit | undefined {
    const limit = parseLimit(model, "chat.params")
    if (limit) this.limits.set(ModelLimits.key(providerID, modelID), limit)
    return limit
  }

  peek(providerID: string, modelID: string): ModelLimit | undefined {
    return this.limits.get(ModelLimits.key(providerID, modelID))
  }

  /**
   * The limit for a model, reading the catalogue at most once per model that is
   * still unknown. Undefined when neither source knows it.
   */
  async resolve(providerID: string, modelID: string): Promise<ModelLimit | undefined> {
    const key = ModelLimits.key(providerID, modelID)
    const known = this.limits.get(key)
    if (known) return known
    if (this.catalogueMisses.has(key)) return undefined
    if (!this.catalogue) this.catalogue = this.readCatalogue()
    await this.catalogue
    this.catalogue = undefined
    const found = this.limits.get(key)
    if (!found) this.catalogueMisses.add(key)
    return found
  }

  private async readCatalogue(): Promise<void> {
    this.catalogueReads++
    const res = rec(await this.readProviders())
    const data = rec(res?.data) ?? res
    const providers = Array.isArray(data?.providers) ? data.providers : []
    for (const p of providers) {
      const provider = rec(p)
      const pid = str(provider?.id)
      const models = rec(provider?.models)
      if (!pid || !models) continue
      for (const [mid, m] of Object.entries(models)) {
        const key = ModelLimits.key(pid, str(rec(m)?.id) ?? mid)
        const existing = this.limits.get(key)
        if (existing?.source === "chat.params") continue
        const limit = parseLimit(m, "catalogue")
        if (limit) this.limits.set(key, limit)
      }
    }
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
  return { context, input: input && input > 0 ? input : undefined, output: output && output > 0 ? output : undefined, source }
}
