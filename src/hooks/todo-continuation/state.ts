import type { TimerHandle } from "../../runtime/clock"
import { newMark, type ProgressMark } from "./progress"

/** Private per-session state; what others may read is published in entry.continuation. */
export interface TodoState {
  countdown: TimerHandle | undefined
  /** when the last continuation prompt was sent */
  lastSentAt: number | undefined
  /** continuations sent since the todo list last showed progress */
  withoutProgress: number
  mark: ProgressMark
  failures: number
  notBefore: number
  /** "user": /longrun-stop; "agent": the agent's own tool; only the user lifts the others */
  stopped: "user" | "agent" | "stagnation" | "failures" | undefined
  aborted: boolean
  todosRead: boolean
  /** a prompt is out: no other countdown or prompt until it has settled */
  sending: boolean
  /** session.idle events seen since the countdown started */
  idleEvents: number
  /** newest message the person wrote (ids sort in creation order; OpenCode re-sends old ones) */
  lastInputID: string | undefined
  /**
   * The person wrote something other than a go-ahead: continuation waits until the
   * todo list differs from this signature, or the person says go on.
   */
  hold: string | undefined
  /** an error a new prompt cannot fix stopped it until the person writes: why */
  errorHold: string | undefined
  /** an idle is being handled (the todo read may await): a second one must not start another countdown */
  starting: boolean
}

export function newTodoState(): TodoState {
  return {
    countdown: undefined,
    lastSentAt: undefined,
    withoutProgress: 0,
    mark: newMark(),
    failures: 0,
    notBefore: 0,
    stopped: undefined,
    aborted: false,
    todosRead: false,
    sending: false,
    idleEvents: 0,
    lastInputID: undefined,
    hold: undefined,
    errorHold: undefined,
    starting: false,
  }
}
