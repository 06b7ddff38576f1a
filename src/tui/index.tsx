/** @jsxImportSource @opentui/solid */
/**
 * The TUI half of opencode-longrun: a sidebar section, a details dialog, palette
 * entries, and a key that cancels the todo countdown. It owns no truth: it shows the
 * snapshot the server half writes per session (src/sidebar/snapshot.ts). OpenCode
 * compiles this file and supplies solid-js and @opentui/* itself.
 */
import type { TuiPlugin, TuiPluginApi, TuiPluginModule } from "@opencode-ai/plugin/tui"
import { createEffect, createMemo, createSignal, For, onCleanup } from "solid-js"
import { countdownLive, type Line, renderSidebar, ticking, WIDTH } from "../sidebar/render"
import { STATUS_COMMAND, STOP_COMMAND } from "../sidebar/snapshot"
import { detailsText } from "./details"
import { type Located, locateDir } from "./locate"
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

/** The folder the server half writes, from the server's own config and state path. */
function locate(api: TuiPluginApi, tuiDir: string | undefined): Located {
  const state = api.state
  let plugins: ReadonlyArray<unknown> | undefined
  let statePath: string | undefined
  let directory: string | undefined
  try {
    plugins = state.ready ? (state.config?.plugin ?? []) : undefined
    statePath = state.path?.state || undefined
    directory = state.path?.directory || undefined
  } catch {
    // an OpenCode without these fields: fall back to the TUI's own view
  }
  return locateDir({ plugins, statePath, directory }, tuiDir)
}

const tui: TuiPlugin = async (api, options) => {
  const tuiDir = typeof options?.dir === "string" && options.dir ? options.dir : undefined
  const [located, setLocated] = createSignal(locate(api, tuiDir))
  const reader = new SnapshotReader(located().dir)
  reader.start((err) => console.error("[opencode-longrun] sidebar watch failed", err))
  const [version, setVersion] = createSignal(0)
  const [now, setNow] = createSignal(Date.now())
  const unwatch = reader.onChange(() => {
    setNow(Date.now())
    setVersion((v) => v + 1)
  })
  let toldProblem: string | undefined
  /** Follows the server's config as it loads or changes; a mismatch is told once. */
  const relocate = () => {
    const l = locate(api, tuiDir)
    const prev = located()
    if (l.dir !== prev.dir || l.problem !== prev.problem) setLocated(l)
    reader.setDir(l.dir)
    if (l.detail && l.serverFound && toldProblem !== l.detail) {
      toldProblem = l.detail
      api.ui.toast({ variant: "warning", title: "opencode-longrun", message: l.detail })
    }
  }

  // The stop command answers in the session itself (its text appears there, not sent to the model).
  const cancel = (sessionID: string) => runCommand(api, sessionID, STOP_COMMAND)

  const showDetails = () => {
    const id = currentSession(api)
    const l = located()
    const text = [l.detail, detailsText(id ? reader.get(id) : undefined, Date.now())].filter(Boolean).join("\n\n")
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
    createEffect(relocate)
    // Only this session's file is read again when it changes.
    createEffect(() => {
      const release = reader.hold(props.sessionID)
      onCleanup(release)
    })
    const snap = createMemo(() => {
      version()
      return reader.get(props.sessionID)
    })
    // Ticks only while something on screen counts by itself (never for a stale snapshot).
    const counting = createMemo(() => ticking(snap(), now()))
    createEffect(() => {
      if (!counting()) return
      const h = setInterval(() => setNow(Date.now()), 1000)
      // never keeps the TUI process alive on its own
      ;(h as { unref?: () => void }).unref?.()
      onCleanup(() => clearInterval(h))
    })
    // The cancel key exists only during a live countdown, so it never shadows OpenCode's own Esc.
    const cancellable = createMemo(() => countdownLive(snap(), now()))
    createEffect(() => {
      if (!cancellable()) return
      const id = props.sessionID
      const off = api.keymap.registerLayer({
        commands: [{ name: CANCEL_CMD, title: "Longrun: cancel the todo countdown", run: () => cancel(id) }],
        bindings: [{ key: CANCEL_KEY, cmd: CANCEL_CMD, desc: "cancel the todo countdown" }],
      })
      onCleanup(() => off())
    })
    const lines = createMemo(() => {
      const l = located()
      return renderSidebar(snap(), now(), {
        cancelKey: "esc",
        notes: l.serverFound && l.problem ? [l.problem] : [],
        noData: !l.serverFound && l.problem ? `no data: ${l.problem}` : undefined,
      })
    })
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
