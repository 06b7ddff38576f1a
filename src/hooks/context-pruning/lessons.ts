/**
 * What the provider's answers taught about its prompt cache, per model, across sessions:
 * - after a warm moment, how the cache took a change: where it keeps the part before the
 *   first change (a prefix cache), the read after it stays near that share; where it keeps
 *   entries only at the last messages (Anthropic with OpenCode's breakpoints), it falls to the
 *   system prompt. Only the worse shape is learnt: an assumed "from-start" is never relaxed.
 * - after a cold moment, whether the cache really was cold: a large read means it was still
 *   warm, so that model's cache lives longer than assumed (OpenAI keeps prefixes 5 to 60 minutes).
 */
import type { CacheShape } from "../../bill/moment"
import { detach } from "../../runtime/detach"
import type { MomentRecord } from "./state"
import type { Walk } from "./walk"

const MAX_MODELS = 1_000
const MAX_TTL_MS = 60 * 60_000

export class CacheLessons {
  private readonly shapes = new Map<string, CacheShape>()
  private readonly ttls = new Map<string, number>()

  shapeOf(model: string, assumed: CacheShape): CacheShape {
    return this.shapes.get(model) ?? assumed
  }

  /** The shape an answer showed for this model, if one did (journaled, so a restart keeps it). */
  learnt(model: string): CacheShape | undefined {
    return this.shapes.get(model)
  }

  /** A shape learnt before a restart. Only the worse shape is ever learnt, so it is taken as is. */
  restore(model: string, shape: CacheShape): void {
    if (shape === "from-start") put(this.shapes, model, shape)
  }

  ttlOf(model: string, fallback: number): number {
    return Math.max(fallback, this.ttls.get(model) ?? 0)
  }

  /** Learns from the first answer after `moment`, once; true when it could tell. */
  learn(moment: MomentRecord, w: Walk, model: string, ttlMs: number): boolean {
    const read = answerAfter(moment, w)
    if (read === undefined || moment.readBefore === undefined || moment.readBefore <= 0) return read !== undefined
    // The read before the moment covered the system part and the whole conversation.
    const system = Math.max(0, moment.readBefore - moment.totalTokens)
    const whole = moment.readBefore - system
    const kept = read - system
    if (moment.cold) {
      if (moment.gapMs !== undefined && whole > 0 && kept > 0.25 * whole) {
        // It was still warm: wait longer than that pause before calling this model's cache cold.
        put(this.ttls, model, Math.min(MAX_TTL_MS, Math.max(2 * ttlMs, Math.ceil(moment.gapMs * 1.5))))
      }
      return true
    }
    if (moment.keptShare >= 0.5 && whole > 0 && kept < (whole * moment.keptShare) / 2) put(this.shapes, model, "from-start")
    return true
  }

  get size(): number {
    return this.shapes.size + this.ttls.size
  }
}

/** The cache read of the answer to the moment's request, once it is there. */
function answerAfter(moment: MomentRecord, w: Walk): number | undefined {
  const at = w.steps.findIndex((s) => s.id === moment.afterAnswer)
  const answer = at >= 0 ? w.steps[at + 1] : moment.afterAnswer === undefined ? w.steps[0] : undefined
  return answer?.tokens?.cacheRead
}

function put<V>(map: Map<string, V>, key: string, value: V) {
  map.delete(key)
  map.set(detach(key, 512), value)
  if (map.size > MAX_MODELS) map.delete(map.keys().next().value!)
}
