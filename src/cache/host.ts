/** Facts from OpenCode's own config, read once by the plugin's config hook (its only writer). */
export interface HostConfig {
  /** false when the user set compaction.auto: false; the plugin honours it too */
  autoCompaction: boolean
  /** compaction.reserved from the user's config, if set */
  compactionReserved?: number
  /** permission.edit is "deny" for every agent */
  editDenied: boolean
  /** agents whose config denies editing */
  editDeniedAgents: Set<string>
}
