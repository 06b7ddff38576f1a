import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { unregisterOwner } from "../../src/journal/owner"
import type { pluginHarness } from "../../testkit/plugin-harness"

type Harness = Awaited<ReturnType<typeof pluginHarness>>

/** One journal folder shared by the plugin instances of a test: each start is OpenCode starting again. */
export function journalFolder() {
  const dir = mkdtempSync(join(process.env.XDG_DATA_HOME || tmpdir(), "restart-"))
  return {
    options: { journal_dir: dir },
    /** What the journal holds is on disk (the write delay has passed). */
    async written(h: Harness) {
      await h.clock.advance(1_000)
      await h.internals.ctx.journal.flush()
    },
    /** OpenCode is killed: no timer of this instance fires again, nothing more is written, its files may be taken over. */
    crash(h: Harness) {
      h.internals.ctx.timers.clearAll()
      unregisterOwner(h.internals.ctx.journal.owner.id)
    },
    /** OpenCode's first event after the start (plugin.added arrives first in 1.18.33). */
    async firstEvent(h: Harness) {
      await h.send({ type: "plugin.added", properties: {} })
      await h.clock.advance(10)
    },
  }
}
