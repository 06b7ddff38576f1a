import type { HostConfig } from "./cache/host"

/** Reads the parts of OpenCode's config the plugin must respect. */
export function readHostConfig(config: unknown, host: HostConfig): void {
  const c = config as
    | {
        compaction?: { auto?: unknown; reserved?: unknown }
        permission?: { edit?: unknown }
        agent?: Record<string, { permission?: { edit?: unknown } } | undefined>
      }
    | undefined
  if (c?.compaction?.auto === false) host.autoCompaction = false
  if (typeof c?.compaction?.reserved === "number") host.compactionReserved = c.compaction.reserved
  if (c?.permission?.edit === "deny") host.editDenied = true
  for (const [name, agent] of Object.entries(c?.agent ?? {})) {
    if (agent?.permission?.edit === "deny") host.editDeniedAgents.add(name)
  }
}
