/** The scripted OpenAI-compatible model server the e2e harness points OpenCode at. */
export { analyzeRequest, contentText } from "./analyze"
export * from "./scripts"
export { startModelServer } from "./server"
export type * from "./types"
