/** @jsxImportSource @opentui/solid */
/**
 * The TUI half of opencode-longrun: a sidebar section, a details dialog, palette
 * entries, and a key that cancels the todo countdown. It owns no truth: it shows the
 * snapshot the server half writes per session (src/sidebar/snapshot.ts). OpenCode
 * compiles this file and supplies solid-js and @opentui/* itself.
 */
import type { TuiPlugin, TuiPluginApi, TuiPluginModule } from "@opencode-ai/plugin/tui"
import { createEffect, createMemo, createSignal, For, onCleanup } from "solid-js"
import { type Line, renderSidebar, ticking, WIDTH } from "../sidebar/render"
import { sidebarDir, STATUS_COMMAND, STOP_COMMAND } from "../sidebar/snapshot"
import { detailsText } from "./details"
import { SnapshotReader } from "./reader"

const CANCEL_KEY = "escape"
const CANCEL_CMD = "longrun.countdown.cancel"

function currentSession(api: TuiPluginApi): string | undefined {
  const route = api.route.current
  return route.name === "session" ? (route.params as { sessionID?: string } | undefined)?.sessionID : undefined
}

/** Runs one of the server half's slash commands in the session (its output shows there). */
function runCommand(api: TuiPluginApi, sessionID: string, command: string): void {
  // The server half ends its own commands with an error on purpose (see src/commands.ts).
  void Promise.resolve(api.client.session.command({ sessionID, command, arguments: "" })).catch(() => {})
}

const tui: TuiPlugin = async (api, options) => {
  const dir = sidebarDir(process.env, typeof options?.dir === "string" ? options.dir : undefined)
  const reader = new SnapshotReader(dir)
  reader.start((err) => console.error("[opencode-longrun] sidebar watch failed", err))
  const [version, setVersion] = createSignal(0)
  const [now, setNow] = createSignal(Date.now())
  const unwatch = reader.onChange(() => {
    setNow(Date.now())
    setVersion((v) => v + 1)
  })

  // The stop command answers in the session itself (its text appears there, not sent to the model).
  const cancel = (sessionID: string) => runCommand(api, sessionID, STOP_COMMAND)

  const showDetails = () => {
    const id = currentSession(api)
    const text = detailsText(id ? reader.get(id) : undefined, Date.now())
    api.ui.dialog.replace(() => (
      <api.ui.DialogAlert title="opencode-longrun" message={text} onConfirm={() => api.ui.dialog.clear()} />
    ))
  }

  const disposePalette = api.keymap.registerLayer({
    commands: [
      { namespace: "palette", name: "longrun.details", title: "Longrun: details", category: "Longrun", run: showDetails },
      {
        namespace: "palette",
        name: "longrun.status",
        title: "Longrun: status report in this session",
        category: "Longrun",
        run() {
          const id = currentSession(api)
          if (id) runCommand(api, id, STATUS_COMMAND)
        },
      },
      {
        namespace: "palette",
        name: "longrun.stop",
        title: "Longrun: stop todo continuation",
        category: "Longrun",
        run() {
          const id = currentSession(api)
          if (id) cancel(id)
        },
      },
    ],
  })

  function Section(props: { sessionID: string; theme: TuiPluginApi["theme"] }) {
    const snap = createMemo(() => {
      version()
      return reader.get(props.sessionID)
    })
    // Ticks only while something on screen counts by itself.
    createEffect(() => {
      if (!ticking(snap())) return
      const h = setInterval(() => setNow(Date.now()), 1000)
      // never keeps the TUI process alive on its own
      ;(h as { unref?: () => void }).unref?.()
      onCleanup(() => clearInterval(h))
    })
    // The cancel key exists only during a countdown, so it never shadows OpenCode's own Esc.
    createEffect(() => {
      if (snap()?.todo.state !== "countdown") return
      const id = props.sessionID
      const off = api.keymap.registerLayer({
        commands: [{ name: CANCEL_CMD, title: "Longrun: cancel the todo countdown", run: () => cancel(id) }],
        bindings: [{ key: CANCEL_KEY, cmd: CANCEL_CMD, desc: "cancel the todo countdown" }],
      })
      onCleanup(() => off())
    })
    const lines = createMemo(() => renderSidebar(snap(), now(), { cancelKey: "esc" }))
    const color = (l: Line) => {
      const t = props.theme.current
      return l.tone === "title"
        ? t.text
        : l.tone === "warning"
          ? t.warning
          : l.tone === "accent"
            ? t.accent
            : l.tone === "muted"
              ? t.textMuted
              : t.text
    }
    return (
      <box flexDirection="column" maxWidth={WIDTH + 2}>
        <For each={lines()}>{(l) => <text fg={color(l)}>{l.tone === "title" ? <b>{l.text}</b> : l.text}</text>}</For>
      </box>
    )
  }

  api.slots.register({
    order: 150,
    slots: {
      sidebar_content(ctx, props) {
        return <Section sessionID={props.session_id} theme={ctx.theme} />
      },
    },
  })

  api.lifecycle.onDispose(() => {
    unwatch()
    disposePalette()
    reader.stop()
  })
}

const plugin: TuiPluginModule & { id: string } = { id: "opencode-longrun", tui }
export default plugin
