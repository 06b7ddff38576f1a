import { tool } from "@opencode-ai/plugin"
import type { StatusReport } from "./report"
import { renderStatus } from "./report"

/** The longrun_status tool: what the plugin knows and retains, as a table or JSON. */
export function createStatusTool(build: () => StatusReport) {
  return tool({
    description:
      "Show opencode-longrun's status: tracked sessions with context usage, todos and background tasks, " +
      "what the plugin retains per cache and per session, and process memory.",
    args: {
      format: tool.schema.enum(["table", "json"]).optional().describe("table (default) or json"),
      scope: tool.schema.enum(["session", "all"]).optional().describe("this session and its children (default) or all"),
    },
    async execute(args, context) {
      const report = build()
      if (args.format === "json") return JSON.stringify(report, null, 1)
      return renderStatus(report, args.scope === "all" ? undefined : context.sessionID)
    },
  })
}
