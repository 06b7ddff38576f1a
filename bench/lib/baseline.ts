/**
 * The naive baseline: what plugins did before event caching. On every tool call the
 * context monitor, the compaction check and the todo check each read the whole
 * session history with client.session.messages() (3 reads per tool call) and derive
 * what they need from it. Deliberately written the naive way; bench-only, never
 * shipped. It exists to be measured against.
 */
import type { Hooks, PluginInput } from "@opencode-ai/plugin"

type Msg = {
  info: {
    role?: string
    tokens?: { input?: number; output?: number; cache?: { read?: number; write?: number } }
    summary?: boolean
    finish?: string
    error?: unknown
  }
  parts: Array<{ type?: string }>
}

export function createBaselineHooks(client: PluginInput["client"], limit: { context: number }): Hooks {
  const warned = new Set<string>()
  const compacting = new Set<string>()

  const readAll = async (sessionID: string): Promise<Msg[]> => {
    const res = (await client.session.messages({ path: { id: sessionID } })) as { data?: Msg[] }
    return res.data ?? []
  }
  const usedTokens = (msgs: Msg[]): number => {
    for (let i = msgs.length - 1; i >= 0; i--) {
      const info = msgs[i]!.info
      if (info.role !== "assistant" || info.summary) continue
      const t = info.tokens
      const total = (t?.input ?? 0) + (t?.output ?? 0) + (t?.cache?.read ?? 0) + (t?.cache?.write ?? 0)
      if (total > 0) return total
    }
    return 0
  }

  return {
    "tool.execute.after": async (input, output) => {
      // 1. context-window monitor
      {
        const msgs = await readAll(input.sessionID)
        const ratio = usedTokens(msgs) / limit.context
        if (ratio >= 0.7 && !warned.has(input.sessionID)) {
          warned.add(input.sessionID)
          output.output += `\n\n[baseline] Context window ${Math.round(ratio * 100)}% used.`
        }
      }
      // 2. compaction check
      {
        const msgs = await readAll(input.sessionID)
        const ratio = usedTokens(msgs) / limit.context
        if (ratio >= 0.8 && !compacting.has(input.sessionID)) {
          compacting.add(input.sessionID)
          await client.session.summarize({
            path: { id: input.sessionID },
            body: { providerID: "scripted", modelID: "scripted-model" },
          } as never)
        } else if (ratio < 0.5) {
          compacting.delete(input.sessionID)
        }
      }
      // 3. todo check: is the agent still working, and are todos open?
      {
        const msgs = await readAll(input.sessionID)
        const last = msgs[msgs.length - 1]
        const busy = last?.info.role === "assistant" && !last.info.finish && !last.info.error
        const todos = (await client.session.todo({ path: { id: input.sessionID } })) as { data?: Array<{ status: string }> }
        const open = (todos.data ?? []).filter((t) => t.status !== "completed").length
        if (!busy && open > 0) warned.delete(`${input.sessionID}:todo`)
      }
    },
  }
}
