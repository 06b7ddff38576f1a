/** The scripted model server the e2e harness points OpenCode at: OpenAI chat completions and Anthropic Messages. */
export { analyzeRequest, contentText } from "./analyze"
export { analyzeAnthropicRequest } from "./analyze-anthropic"
export * from "./scripts"
export { startModelServer } from "./server"
export type * from "./types"
