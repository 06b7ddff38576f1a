/** Real `opencode serve` in an isolated temporary project, for e2e tests, the demo and the bench. */
export * from "./config"
export type { E2EEvent } from "./events"
export * from "./harness"
export * from "./results"
