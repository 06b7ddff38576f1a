import { rec, str } from "../../events/json"
import { detach } from "../../runtime/detach"
import type { HookContext } from "../types"
import { isFinished, type Task } from "./task"

/**
 * Creates the task's child session and sends it the prompt. `adopt` registers the
 * child as soon as it exists, so its events are routed to the task. Throws with a
 * reason when either call fails; a task cancelled meanwhile gets its child aborted.
 */
export async function startChild(ctx: HookContext, task: Task, adopt: (childID: string) => void): Promise<void> {
  const created = rec(
    await ctx.client.session.create({
      body: { parentID: task.parentID, title: `${task.description} (@${task.agent} background)` },
    }),
  )
  const childID = str(rec(created?.data)?.id)
  if (!childID) throw new Error(`could not create the child session: ${JSON.stringify(created?.error ?? created).slice(0, 200)}`)
  if (isFinished(task) || task.cancelling) {
    // cancelled while the session was being created: no prompt goes out
    await ctx.client.session.abort({ path: { id: childID } }).catch(() => {})
    return
  }
  task.childID = detach(childID)
  adopt(task.childID)
  const prompt = task.prompt ?? ""
  const sent = rec(
    await ctx.client.session.promptAsync({
      path: { id: task.childID },
      body: {
        agent: task.agent,
        model: { providerID: task.providerID, modelID: task.modelID },
        parts: [{ type: "text", text: prompt }],
      } as never,
    }),
  )
  if (sent?.error) throw new Error(`could not send the prompt: ${JSON.stringify(sent.error).slice(0, 200)}`)
  // Kept (and journaled) until the child has it: a restart before this sends it again.
  task.prompt = undefined
}
