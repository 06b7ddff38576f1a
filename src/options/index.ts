// The plugin's options: one schema (schema.ts) that also documents them, and a parser that never throws.
export {
  defaultOptions,
  HOOK_NAMES,
  optionJsonSchema,
  optionShapes,
  optionsJsonSchema,
  type HookName,
  type LongrunOptions,
  type OptionKey,
} from "./schema"
export {
  describeOption,
  formatOptionProblems,
  isHookEnabled,
  parseOptions,
  type OptionProblem,
  type ParsedOptions,
} from "./parse"
