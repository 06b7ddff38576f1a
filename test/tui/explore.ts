import { startTui, sidebarOf } from "./tui-harness"
import { always } from "../e2e/model-server"
import { readdirSync, readFileSync } from "node:fs"
const t = await startTui({ script: always({ text: "Done.", usage: { prompt_tokens: 4321, completion_tokens: 12 } }) })
try {
  await t.waitFor((p) => p.includes("Ask anything"), "prompt", 60_000)
  await Bun.sleep(1000)
  t.type("hello")
  t.keys("Enter")
  await t.waitFor((p) => p.includes("Done."), "reply", 30_000)
  await Bun.sleep(3000)
  console.log(sidebarOf(t.capture()))
  const d = t.xdgState + "/opencode-longrun/sidebar"
  for (const f of readdirSync(d)) console.log(f, readFileSync(d + "/" + f, "utf8"))
  const f = readdirSync(d)[0]!
  const s = JSON.parse(readFileSync(d + "/" + f, "utf8"))
  s.todo = { state: "countdown", endsAt: Date.now() + 60_000, sent: 0 }
  require("node:fs").writeFileSync(d + "/" + f, JSON.stringify(s))
  await Bun.sleep(2500)
  console.log(sidebarOf(t.capture()))
  t.keys("Escape")
  await Bun.sleep(1500)
  console.log(t.capture())
  console.log("requests", t.model.agentRequests().length)
} finally {
  await t.stop()
}
