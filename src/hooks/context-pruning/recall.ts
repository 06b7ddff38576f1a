import { tool } from "@opencode-ai/plugin"
import type { Client } from "../types"
import type { PartFacts } from "./part-facts"

const MAX_RECALL_CHARS = 200_000

interface StoredState {
  status?: unknown
  input?: unknown
  output?: unknown
  error?: unknown
}

/**
 * longrun_recall: the full original of a tool result the pruner left out of what the
 * model is sent. `find` maps the call id shown in the placeholder to the part's facts
 * (its message id); the content itself is read from OpenCode's storage.
 */
export function createRecallTool(client: Client, find: (sessionID: string, callID: string) => PartFacts | undefined) {
  return tool({
    description:
      "Return the full original of a tool result that opencode-longrun left out of this conversation " +
      "(its placeholder names the call id). Reads it from the stored session; nothing is changed.",
    args: {
      call: tool.schema.string().min(1).max(256).describe("the call id the placeholder names"),
      what: tool.schema.enum(["output", "input"]).optional().describe("the output (default) or the call's arguments"),
    },
    async execute(args, context) {
      const f = find(context.sessionID, args.call)
      if (!f?.messageID) return `longrun_recall: no left-out result with call id ${args.call} is known in this session.`
      // The one history read the pruner makes: one message, when the model asks for it.
      const res = (await client.session.message({ path: { id: context.sessionID, messageID: f.messageID } })) as {
        data?: { parts?: Array<{ type?: unknown; id?: unknown; callID?: unknown; state?: StoredState }> }
      }
      const part = res?.data?.parts?.find((p) => p?.type === "tool" && (p.callID === args.call || p.id === args.call))
      if (!part) return `longrun_recall: call ${args.call} was not found in its message any more.`
      const state: StoredState = part.state ?? {}
      let text: string
      if (args.what === "input") text = JSON.stringify(state.input ?? {}, null, 1)
      else text = String(state.status === "error" ? (state.error ?? "") : (state.output ?? ""))
      if (text.length > MAX_RECALL_CHARS)
        return `${text.slice(0, MAX_RECALL_CHARS)}\n[longrun_recall: cut at ${MAX_RECALL_CHARS.toLocaleString("en-US")} of ${text.length.toLocaleString("en-US")} chars]`
      return text
    },
  })
}
