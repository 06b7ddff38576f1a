import type { HookName } from "../options"
import type { HookContext, LongrunHook } from "./types"

/** Every hook factory, in the order their handlers run. */
export const HOOK_FACTORIES: Array<[HookName, (ctx: HookContext) => LongrunHook]> = []
