import { tool } from "@opencode-ai/plugin"
import { table } from "../../status/format"
import { inScope } from "../../status/scope"
import type { HookContext, LongrunHook } from "../types"
import { describeCancel } from "./cancel"
import { loadResult } from "./child-state"
import { BackgroundManager, NAME } from "./manager"
import { isFinished, runtime, type Task } from "./task"

export function describeTask(t: Task, now: number): string {
  const lines = [
    `Task ${t.id} (${t.description}): ${t.status}${t.startedAt ? ` after ${Math.round(runtime(t, now) / 1000)} s` : ""}`,
    `agent ${t.agent}, model ${t.providerID}/${t.modelID}${t.childID ? `, child session ${t.childID}` : ""}`,
    `tool calls: ${t.toolCalls}${t.lastTool ? `, last tool: ${t.lastTool}` : ""}, tokens: ${t.tokens.input} in / ${t.tokens.output} out`,
  ]
  if (t.error) lines.push(`reason: ${t.error}`)
  if (isFinished(t)) {
    lines.push("", "Result:", t.result ?? "(no text)")
    const more = (t.resultLength ?? 0) - (t.result?.length ?? 0)
    if (more > 0) lines.push(`[${more} more characters in child session ${t.childID}]`)
  }
  return lines.join("\n")
}

/** Background agents: tools to run sub-tasks in child sessions, progress from events. */
export function createBackgroundAgentsHook(ctx: HookContext): LongrunHook {
  const manager = new BackgroundManager(ctx)
  const find = (id: string) => {
    manager.prune() // a task past its retention is gone, even between sweeps
    return manager.tasks.get(id.trim())
  }
  const child = (ev: Parameters<BackgroundManager["onChildEvent"]>[0]) => manager.onChildEvent(ev)
  const events: LongrunHook["events"] = {
    "message.part.updated": child,
    "message.part.delta": child,
    "message.updated": child,
    "session.status": child,
    "session.idle": child,
    "session.error": child,
    "session.deleted": (ev) => {
      manager.onChildEvent(ev)
      manager.onParentDeleted(ev.sessionID)
    },
  }
  const cancelAll = async (sessionID: string): Promise<string> => {
    const mine = [...manager.tasks.values()].filter((t) => t.parentID === sessionID && !isFinished(t))
    if (mine.length === 0) return "No background task of this session is running or queued."
    return describeCancel(await manager.cancel(mine, "cancelled by the user", false))
  }

  return {
    name: NAME,
    events,
    tools: {
      background_task: tool({
        description:
          "Start a sub-agent on a task in a background child session and return its task id at once. " +
          "You are told when it finishes; read the result with background_output.",
        args: {
          description: tool.schema.string().describe("a short name for the task"),
          prompt: tool.schema.string().describe("the full instructions for the sub-agent"),
          agent: tool.schema.string().optional().describe("agent to run (default: general)"),
          model: tool.schema.string().optional().describe('"provider/model" (default: this session\'s model)'),
        },
        async execute(args, context) {
          const task = manager.launch({ parentID: context.sessionID, ...args })
          if (typeof task === "string") return `Could not start the task: ${task}`
          const queued = task.status === "queued" ? " It is queued until a slot for its model is free." : ""
          return `Started background task ${task.id} (${task.description}).${queued} You will be told when it finishes; background_output ${task.id} shows progress and the result.`
        },
      }),
      background_output: tool({
        description: "Status, progress and, once finished, the result of a background task. wait_seconds waits for it to finish.",
        args: {
          task_id: tool.schema.string().describe("the id background_task returned"),
          wait_seconds: tool.schema.number().min(0).max(600).optional().describe("wait up to this long for the task to finish"),
        },
        async execute(args, context) {
          const task = find(args.task_id)
          if (!task)
            return `No background task ${args.task_id} (finished tasks are kept for ${Math.round(ctx.options.background_retention_ms / 1000)} s).`
          if (args.wait_seconds) await manager.wait(task, args.wait_seconds * 1000, context.abort)
          await loadResult(ctx, task) // a task from before a restart: its result is in its child session
          return describeTask(task, ctx.now())
        },
      }),
      background_cancel: tool({
        description: 'Cancel a background task by id, or "all" for every task of this session.',
        args: { task_id: tool.schema.string().describe('a task id, or "all"') },
        async execute(args, context) {
          const targets =
            args.task_id.trim() === "all"
              ? [...manager.tasks.values()].filter((t) => t.parentID === context.sessionID && !isFinished(t))
              : [find(args.task_id)].filter((t): t is Task => t !== undefined)
          if (targets.length === 0) return `Nothing to cancel for ${args.task_id}.`
          return describeCancel(await manager.cancel(targets, "cancelled with background_cancel", false))
        },
      }),
    },
    commands: {
      "longrun-cancel": {
        description: "opencode-longrun: cancel every background task of this session",
        run: (sessionID) => cancelAll(sessionID),
      },
    },
    caches: () => [{ name: "background-tasks", entries: manager.tasks.size, bytes: manager.estimateBytes() }],
    status: (scope) => {
      const now = ctx.now()
      // A task belongs to the session that started it; other sessions' tasks are never shown.
      const tasks = [...manager.tasks.values()].filter((t) => inScope(scope, t.parentID))
      const rows = tasks.map((t) => [
        t.id,
        t.description.slice(0, 30),
        t.status,
        `${Math.round(runtime(t, now) / 1000)}s`,
        String(t.toolCalls),
        t.lastTool ?? "-",
        `${t.tokens.input}/${t.tokens.output}`,
      ])
      return {
        title: "background tasks",
        data: tasks.map((t) => ({
          id: t.id,
          parentID: t.parentID,
          childID: t.childID,
          description: t.description,
          status: t.status,
          runtimeMs: runtime(t, now),
          toolCalls: t.toolCalls,
          lastTool: t.lastTool,
          tokens: t.tokens,
          error: t.error,
        })),
        text: rows.length
          ? table(["task", "description", "status", "runtime", "tools", "last tool", "tokens in/out"], rows)
          : "no background tasks",
      }
    },
    dispose: () => manager.dispose(),
  }
}

export { BackgroundManager }
