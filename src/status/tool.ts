import { tool } from "@opencode-ai/plugin"
import type { StatusReport } from "./report"
import { renderStatus } from "./report"

/**
 * The longrun_status tool: what the plugin knows and retains, as a table or JSON. Its text
 * goes to the model, so it is always the calling session's report: other sessions are
 * counted, never named (the user lists them with /longrun-status all).
 */
export function createStatusTool(build: (sessionID: string) => StatusReport) {
  return tool({
    description:
      "Show opencode-longrun's status: tracked sessions with context usage, todos and background tasks, " +
      "what the plugin retains per cache and per session, and process memory. Covers this session and its " +
      "background children; other sessions are only counted.",
    args: {
      format: tool.schema.enum(["table", "json"]).optional().describe("table (default) or json"),
      // "all" stays accepted for callers that pass it; it gives the same report (other sessions counted, not named).
      scope: tool.schema
        .enum(["session", "all"])
        .optional()
        .describe("session (default): this session and its children; all: the same, other sessions are only counted"),
    },
    async execute(args, context) {
      // Never the every-session report: a call without a session id gets an empty one.
      const report = build(typeof context?.sessionID === "string" ? context.sessionID : "")
      if (args.format === "json") return JSON.stringify(report, null, 1)
      return renderStatus(report)
    },
  })
}
