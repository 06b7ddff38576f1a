/** The journal (see ./journal.ts): the service hooks publish what a restart must not lose through. */
export { Journal, type JournalConfig, type JournalDeps, type SectionWriter } from "./journal"
export { journalRoot } from "./files"
export type * from "./types"
export { DECISION_KEY } from "./sections-extra"
