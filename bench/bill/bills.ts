/** The bill bench's figures: which run bills which price table, and the dollars of a session. */
import { PRICE_TABLES, type PriceTable } from "../replay/prices"
import type { ConfigRun, Route, SessionCount } from "./drive"

export interface BillResult {
  started: string
  durationMs: number
  quick: boolean
  machine: Record<string, string>
  ttlMs: number
  pauseRealMs: number
  dcpInstallMs?: number
  sessions: Array<{ name: string; turns: number; replies: number; pauses: boolean }>
  routes: Record<"sonnet" | "openai" | "nocache", Route>
  configs: string[]
  runs: ConfigRun[]
}

export interface Table {
  key: "sonnet" | "openai" | "nocache"
  prices: PriceTable
  /** what the requests went through and were counted by */
  how: string
}

export const TABLES: Table[] = [
  {
    key: "sonnet",
    prices: PRICE_TABLES.sonnet,
    how: "OpenCode's Anthropic provider; the server's Anthropic cache counted reads and writes",
  },
  {
    key: "openai",
    prices: PRICE_TABLES.openai,
    how: "OpenCode's OpenAI-compatible provider; the server's OpenAI cache counted cached tokens",
  },
  {
    key: "nocache",
    prices: PRICE_TABLES.nocache,
    how: "the Anthropic route's requests with every prompt token billed as input; the plugin ran with the model priced without cache prices",
  },
]

/** The run whose requests a configuration's bill at this table is made of. */
export function runFor(r: BillResult, config: string, table: Table["key"]): ConfigRun | undefined {
  const route = (key: Table["key"]) => r.runs.find((x) => x.config === config && x.route === r.routes[key].label)
  if (table === "nocache") return route("nocache") ?? route("sonnet")
  return route(table)
}

export function dollars(s: SessionCount, p: PriceTable): number {
  return (s.input * p.input + s.read * p.cacheRead + s.write * p.cacheWrite + s.output * p.output) / 1e6
}

/** Without a cache every prompt token is input. */
export function billOf(s: SessionCount, t: Table): number {
  return t.key === "nocache" ? dollars({ ...s, input: s.prompt, read: 0, write: 0 }, t.prices) : dollars(s, t.prices)
}

export function sessionOf(run: ConfigRun | undefined, name: string): SessionCount | undefined {
  return run?.ok ? run.sessions.find((s) => s.session === name) : undefined
}
