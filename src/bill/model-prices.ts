import { detach } from "../runtime/detach"
import { parsePrices, type Prices } from "./prices"

const MAX_MODELS = 5_000

/**
 * Prices per provider/model, learnt from the model object OpenCode passes to
 * chat.params (the exact model of each request). Bounded: the oldest model goes first.
 */
export class ModelPrices {
  private readonly byModel = new Map<string, Prices>()

  static key(providerID: string, modelID: string): string {
    return `${providerID}/${modelID}`
  }

  learn(providerID: string, modelID: string, model: unknown): Prices | undefined {
    const prices = parsePrices(model)
    if (!prices) return undefined
    const key = detach(ModelPrices.key(providerID, modelID), 512)
    this.byModel.delete(key)
    this.byModel.set(key, prices)
    if (this.byModel.size > MAX_MODELS) this.byModel.delete(this.byModel.keys().next().value!)
    return prices
  }

  /** The model's prices, or undefined when the catalogue gave none. */
  peek(providerID: string | undefined, modelID: string | undefined): Prices | undefined {
    if (!providerID || !modelID) return undefined
    return this.byModel.get(ModelPrices.key(providerID, modelID))
  }

  get size(): number {
    return this.byModel.size
  }
}
