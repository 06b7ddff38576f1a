/** The scripted OpenAI-compatible model server the e2e harness points OpenCode at. */
export * from "./server"
