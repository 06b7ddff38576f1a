// OpenCode calls this module's exports as plugins, so it exports the plugin and nothing else.
import { LongrunPlugin } from "./plugin"

export default LongrunPlugin
