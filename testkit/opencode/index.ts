/** Real `opencode serve` in an isolated temporary project, for e2e tests, the demo and the bench. */
export * from "./harness"
