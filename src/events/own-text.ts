/**
 * Every text the plugin sends into a session (continuation prompts, background
 * notices) starts with this, so the plugin can tell its own messages from the
 * person's when they come back as events.
 */
export const OWN_TEXT_PREFIX = "[longrun] "

export function isOwnText(text: string): boolean {
  return text.startsWith(OWN_TEXT_PREFIX)
}
