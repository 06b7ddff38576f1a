import { startTui } from "./tui-harness"
import { always } from "../e2e/model-server"
const t = await startTui({ script: always({ text: "Done.", usage: { prompt_tokens: 4321, completion_tokens: 12 } }) })
try {
  await Bun.sleep(8000)
  console.log(t.capture())
  t.type("hello")
  t.keys("Enter")
  await Bun.sleep(6000)
  console.log(t.capture())
  t.type("/longrun-status")
  await Bun.sleep(1000)
  console.log(t.capture())
  t.keys("Enter")
  await Bun.sleep(4000)
  console.log(t.capture())
  console.log(require("node:fs").readdirSync(t.xdgState + "/opencode-longrun/sidebar"))
} finally {
  await t.stop()
}
