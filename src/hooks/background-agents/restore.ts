/**
 * Background tasks across a restart of OpenCode. Each parent's tasks are journaled (ids,
 * states, times, whether the parent was told, where the result is; a queued task's prompt).
 * When the parent's journal comes back: a finished task the parent was not told of gets its
 * notice (once: `told` is journaled as soon as it is delivered); a queued one is queued again;
 * one that was running is resumed in its child session with one prompt to continue, or, when
 * that cannot be (its child is gone, resumes are off, it was resumed too often), its parent
 * is told it was interrupted, with what it had produced.
 */
import { promptFields } from "../../cache/prompt-choice"
import { rec } from "../../events/json"
import { OWN_TEXT_PREFIX } from "../../events/own-text"
import type { SectionWriter, TaskRecord } from "../../journal"
import { ID } from "../../journal/read"
import type { HookContext } from "../types"
import { childState } from "./child-state"
import type { Notices } from "./notices"
import { isFinished, type Task, type TaskStatus } from "./task"

/** A task is resumed at most this many times: a task that brings OpenCode down is not run forever. */
export const MAX_RESUMES = 2
export const RESUME_PROMPT = `${OWN_TEXT_PREFIX}OpenCode was restarted while you worked on this task, and your last step was cut off. Continue the task from where you stopped, then end with your result.`

export interface RestoreDeps {
  ctx: HookContext
  tasks: Map<string, Task>
  notices: Notices
  save: (parentID: string, urgent?: boolean) => void
  /** false when the queue is full */
  enqueue: (task: Task) => boolean
  /** a resumed task takes its slot again and its child's events are routed to it */
  occupy: (task: Task) => void
  finish: (task: Task, status: Exclude<TaskStatus, "queued" | "running">, error?: string) => void
  notify: (task: Task) => void
  publish: (parentID: string) => void
  pump: () => void
}

/** The journal's side of the manager: each parent's tasks saved on every change a restart must know, and put back. */
export class TaskJournal {
  private readonly writer: SectionWriter<"tasks">

  constructor(
    ctx: HookContext,
    private readonly tasks: Map<string, Task>,
    deps: Omit<RestoreDeps, "ctx" | "tasks" | "save">,
  ) {
    const save = (id: string, urgent?: boolean) => this.save(id, urgent)
    this.writer = ctx.journal.writer("tasks", (entry, records) => restoreTasks({ ...deps, ctx, tasks, save }, entry.id, records))
  }

  /** Not mere progress: a launch, a start, an end, a notice delivered, a resume. */
  save(parentID: string, urgent = false): void {
    this.writer.changed(parentID, () => taskRecords(this.tasks.values(), parentID), urgent)
  }

  /** A notice was delivered: written at once, so that a restart right after does not tell the parent again. */
  told(parentID: string, ids: string[]): void {
    for (const id of ids) {
      const t = this.tasks.get(id)
      if (t) t.told = true
    }
    this.save(parentID, true)
  }
}

const ref = (r: Task["resultRef"]) => (r && ID.test(r.messageID) && ID.test(r.partID) ? { ...r } : undefined)

export function taskRecords(tasks: Iterable<Task>, parentID: string): TaskRecord[] | undefined {
  const out: TaskRecord[] = []
  for (const t of tasks) {
    if (t.parentID !== parentID) continue
    out.push({
      id: t.id,
      childID: t.childID,
      description: t.description,
      agent: t.agent,
      providerID: t.providerID,
      modelID: t.modelID,
      status: t.status,
      createdAt: t.createdAt,
      startedAt: t.startedAt,
      endedAt: t.endedAt,
      lastActivityAt: t.lastActivityAt,
      told: t.told,
      error: t.error,
      resultRef: ref(t.resultRef),
      resultLength: t.resultLength,
      toolCalls: t.toolCalls,
      tokens: { ...t.tokens },
      prompt: t.prompt,
      resumes: t.resumes,
    })
  }
  return out.length ? out : undefined
}

function taskOf(r: TaskRecord, parentID: string, now: number): Task {
  // The time it ran before OpenCode stopped counts; the time OpenCode was down does not.
  const ran = r.startedAt !== undefined ? Math.max(0, r.lastActivityAt - r.startedAt) : 0
  const running = r.status === "running"
  return {
    ...r,
    parentID,
    prompt: r.prompt,
    startedAt: running ? now - ran : r.startedAt,
    lastActivityAt: running ? now : r.lastActivityAt,
    sawBusy: false,
    toolParts: new Set(),
    lastText: undefined,
    result: undefined,
    tokens: { ...r.tokens },
    released: true,
  }
}

/** Puts a parent's journaled tasks back and does what each needs now. */
export function restoreTasks(d: RestoreDeps, parentID: string, records: TaskRecord[]): void {
  const now = d.ctx.now()
  const recover: Task[] = []
  const tell: Task[] = []
  for (const r of records) {
    if (d.tasks.has(r.id)) continue
    if (
      r.status !== "queued" &&
      r.status !== "running" &&
      r.told &&
      now - (r.endedAt ?? now) >= d.ctx.options.background_retention_ms
    )
      continue
    const t = taskOf(r, parentID, now)
    d.tasks.set(t.id, t)
    // Without a child session the task never started: it starts again, as it was queued.
    if (t.status === "running" && !t.childID) t.status = "queued"
    if (t.status === "queued" && (t.prompt === undefined || !d.enqueue(t)))
      d.finish(t, "error", "interrupted: OpenCode stopped before it started, and it could not be queued again")
    else if (t.status === "running") {
      // It keeps its slot while its child is asked how far it got: a queued task must not take it meanwhile.
      d.occupy(t)
      recover.push(t)
    } else if (!t.told) tell.push(t)
  }
  d.publish(parentID)
  d.save(parentID)
  // Notices, resumes and starts call OpenCode: they wait until its server is up.
  d.ctx.journal.whenStarted(() => {
    for (const t of tell) if (!t.told) d.notify(t)
    for (const t of recover) void resume(d, t).catch((err) => d.ctx.logger.hookError("background-agents", "resume", err))
    d.pump()
  })
}

async function resume(d: RestoreDeps, t: Task): Promise<void> {
  const { ctx } = d
  const state = await childState(ctx, t.childID!)
  if (isFinished(t)) return // cancelled meanwhile
  if ("text" in state && state.text) {
    t.result = state.text.text
    t.resultLength = state.text.length
    t.resultRef = state.text.ref
  }
  if (state.kind === "gone")
    return d.finish(t, "error", `interrupted: OpenCode stopped while it ran, and its child session is gone`)
  if (state.kind === "done") return d.finish(t, state.status, state.error)
  // The child never got its prompt (OpenCode stopped right after creating it): it gets it now.
  const prompt = state.kind === "empty" && t.prompt !== undefined ? t.prompt : RESUME_PROMPT
  const why = !ctx.options.background_resume
    ? "background_resume is off"
    : t.resumes >= MAX_RESUMES
      ? `it was resumed ${t.resumes} times already`
      : undefined
  const interrupted = (reason: string) =>
    d.finish(t, "error", `interrupted: OpenCode stopped while it ran (${reason}); background_output shows what it had produced`)
  if (why) return interrupted(why)
  t.resumes++
  d.save(t.parentID, true)
  const body = {
    agent: t.agent,
    model: { providerID: t.providerID, modelID: t.modelID },
    parts: [{ type: "text", text: prompt }],
  }
  let error: unknown
  try {
    error = rec(await ctx.client.session.promptAsync({ path: { id: t.childID! }, body } as never))?.error
  } catch (err) {
    error = err
  }
  if (isFinished(t)) return
  if (error)
    return interrupted(
      `it could not be resumed: ${String(error instanceof Error ? error.message : JSON.stringify(error)).slice(0, 200)}`,
    )
  t.prompt = undefined
  d.save(t.parentID)
  const text = `${OWN_TEXT_PREFIX}OpenCode restarted while background task ${t.id} (${t.description}) was running: it goes on in its child session, and you will be told when it finishes.`
  const parent = ctx.store.peek(t.parentID)
  d.notices.send(t.parentID, { ...(parent ? promptFields(parent) : {}), noReply: true, parts: [{ type: "text", text }] })
}
