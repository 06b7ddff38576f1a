import type { MessageInfo, PartInfo } from "../events/types"
import { detach, detachOpt } from "../runtime/detach"
import type { PromptChoice, SessionEntry } from "./session-entry"

export type { PromptChoice }

/** The fields of a promptAsync body. */
export interface PromptFields {
  agent?: string
  model?: { providerID: string; modelID: string }
  variant?: string
  tools?: Record<string, boolean>
}

/** A user message's choices, copied (the event's strings must not stay pinned). */
export function choiceOf(info: MessageInfo): PromptChoice {
  const choice: PromptChoice = { messageID: detach(info.id) }
  if (info.agent) choice.agent = detach(info.agent, 200)
  choice.providerID = detachOpt(info.providerID, 200)
  choice.modelID = detachOpt(info.modelID, 200)
  choice.variant = detachOpt(info.variant, 100)
  if (info.tools) {
    const tools: Record<string, boolean> = {}
    for (const [name, on] of Object.entries(info.tools))
      Object.defineProperty(tools, detach(name), { value: on, enumerable: true, writable: true, configurable: true })
    choice.tools = tools
  }
  return choice
}

/** Text the person typed: not OpenCode's or another plugin's (synthetic), not a command's output, not ours. */
export function writtenByPerson(part: PartInfo): boolean {
  return part.kind === "text" && !part.synthetic && !part.ignored && !part.own
}

/**
 * The agent, model, variant and tool switches for a prompt the plugin sends to the
 * session: those of the person's last message; before one is seen, the agent and
 * model the session works with.
 */
export function promptFields(entry: SessionEntry): PromptFields {
  const c = entry.lastPrompt
  const out: PromptFields = {}
  const agent = c?.agent ?? entry.agent
  if (agent) out.agent = agent
  const providerID = c?.providerID ?? entry.providerID
  const modelID = c?.modelID ?? entry.modelID
  if (providerID && modelID) out.model = { providerID, modelID }
  if (c?.variant) out.variant = c.variant
  if (c?.tools) out.tools = { ...c.tools }
  return out
}
