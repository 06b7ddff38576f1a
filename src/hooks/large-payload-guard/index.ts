import type { SessionEntry } from "../../cache/session-entry"
import { formatBytes, table } from "../../status/format"
import { entriesIn, inScope } from "../../status/scope"
import type { HookContext, LongrunHook } from "../types"
import { headAndTail, outputsRoot } from "./output-cap"
import { SavedOutputs } from "./saved-outputs"

const NAME = "large-payload-guard"
const OWN_TOOL = /^(longrun_|background_(task|output|cancel)$)/

interface GuardState {
  warnedAt: number | undefined
  capped: number
}

/**
 * Warns once per session when OpenCode's snapshot diffs put large file bodies into
 * message.updated events (the store measured them; nothing is kept), and, when
 * tool_output_cap_bytes is set, caps huge tool outputs after saving them in full
 * (src/hooks/large-payload-guard/saved-outputs.ts: deleted with their session, bounded).
 */
export function createLargePayloadGuardHook(ctx: HookContext, saved: SavedOutputs | string = outputsRoot()): LongrunHook {
  const { options, logger } = ctx
  const outputs = typeof saved === "string" ? new SavedOutputs(saved) : saved
  const project = typeof ctx.input.project?.id === "string" ? ctx.input.project.id : "project"
  const warnings: Array<{ session: string; bytes: number; files: string }> = []
  const stateOf = (entry: SessionEntry) =>
    entry.state<GuardState>(NAME, () => ({ warnedAt: undefined, capped: 0 }), { estimate: () => 80 })

  if (options.tool_output_cap_bytes > 0) {
    // Once per start, off the hot path: old saved outputs must not pile up forever.
    ctx.timers.setTimeout(() => void outputs.pruneOld(ctx.now()).catch(() => {}), 5_000)
  }
  // A session that expires from the store takes its saved outputs along (deletion: below);
  // one lstat when it has none, so this holds even with the cap turned off since.
  ctx.store.onRemove((entry, reason) => {
    if (reason === "expired") void outputs.removeSession(project, entry.id)
  })

  const checkDiffs = (entry: SessionEntry) => {
    if (entry.largestDiffEventBytes < options.large_payload_warn_bytes) return
    const state = stateOf(entry)
    if (state.warnedAt !== undefined) return
    state.warnedAt = ctx.now()
    const files = entry.largest.filter((p) => p.kind === "diff").slice(0, 3)
    const named = files.map((f) => `${f.label} (${formatBytes(f.bytes)})`).join(", ")
    warnings.push({ session: entry.id, bytes: entry.largestDiffEventBytes, files: named })
    if (warnings.length > 20) warnings.shift()
    const text =
      `OpenCode's snapshot diffs put ${formatBytes(entry.largestDiffEventBytes)} of file contents into one message update` +
      ` (largest: ${named}). Each update of that message carries them again and OpenCode keeps them in memory. ` +
      `To avoid it, add generated files like these to .gitignore, or set "snapshot": false in opencode.json.`
    logger.log("warn", `session ${entry.id}: ${text}`)
    logger.toast(text, "warning", "Large snapshot diffs", 15_000)
  }

  return {
    name: NAME,
    events: {
      "message.updated": (ev, entry) => {
        if (entry && ev.info.role === "user") checkDiffs(entry)
      },
      "session.deleted": (ev) => outputs.removeSession(project, ev.sessionID),
    },
    handlers:
      options.tool_output_cap_bytes > 0
        ? {
            "tool.execute.after": async (input, output) => {
              // The plugin's own tools bound what they return; cutting a JSON report in half helps nobody.
              if (typeof output.output !== "string" || OWN_TOOL.test(input.tool)) return
              const cap = options.tool_output_cap_bytes
              // A UTF-16 unit is at most 3 UTF-8 bytes: short strings skip the byte count.
              if (output.output.length <= cap / 3 || Buffer.byteLength(output.output, "utf8") <= cap) return
              const path = await outputs.save(project, String(input.sessionID), String(input.callID), output.output)
              if (!path) {
                // Never lose output: if it cannot be saved, the agent gets all of it.
                logger.log("warn", `could not save the output of ${input.tool} (${input.callID}); left it uncapped`)
                return
              }
              output.output = headAndTail(output.output, cap, path)
              const entry = ctx.store.peek(input.sessionID)
              if (entry) stateOf(entry).capped++
            },
          }
        : undefined,
    caches: () =>
      options.tool_output_cap_bytes > 0
        ? [{ name: "saved-outputs", entries: outputs.count, bytes: outputs.estimateBytes() }]
        : [],
    status: (scope) => {
      const capped = entriesIn(ctx.store, scope).flatMap((e) => {
        const n = e.peekState<GuardState>(NAME)?.capped ?? 0
        return n > 0 ? [[e.id, String(n)]] : []
      })
      const warned = warnings.filter((w) => inScope(scope, w.session))
      const lines = [
        warned.length
          ? table(
              ["session", "diff bodies in one event", "largest files"],
              warned.map((w) => [w.session, formatBytes(w.bytes), w.files]),
            )
          : `no snapshot diff above ${formatBytes(options.large_payload_warn_bytes)} seen`,
      ]
      if (options.tool_output_cap_bytes > 0)
        lines.push(
          capped.length
            ? table(["session", "outputs capped"], capped)
            : `tool outputs above ${formatBytes(options.tool_output_cap_bytes)} are capped; none yet`,
          `${outputs.count} full outputs saved by this process (${formatBytes(outputs.savedBytes)}) in ${outputs.root}`,
        )
      return {
        title: "large payloads",
        data: { warnings: warned, capped: Object.fromEntries(capped) },
        text: lines.join("\n"),
      }
    },
  }
}
