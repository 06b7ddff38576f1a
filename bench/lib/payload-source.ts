/** Where the generated session's big strings come from: one buffer, cut into payloads. */
import type { StreamSpec } from "./session-spec"

/** One buffer of log-like ASCII text that payloads are cut from. */
export class PayloadSource {
  private readonly buf: Buffer
  private readonly shared: string
  private cursor = 0

  constructor(maxBytes: number) {
    const size = maxBytes + 65_536
    this.buf = Buffer.allocUnsafe(size)
    let off = 0
    for (let line = 0; off < size; line++) {
      const text = `${String(line).padStart(7, "0")} build: compiled module ${line % 977} in ${(line * 37) % 1000} ms, ok\n`
      off += this.buf.write(text, off, "latin1")
    }
    this.shared = this.buf.toString("latin1")
  }

  take(bytes: number, owned: boolean): string {
    const span = this.buf.length - bytes
    this.cursor = (this.cursor + 7919) % Math.max(1, span)
    const start = this.cursor
    return owned ? this.buf.toString("latin1", start, start + bytes) : this.shared.slice(start, start + bytes)
  }
}

/** The payload source big enough for every payload of a spec. */
export function payloadSourceFor(spec: Omit<StreamSpec, "messages" | "sessionID">): PayloadSource {
  return new PayloadSource(Math.max(spec.diffPatchBytes, ...spec.bigToolSizes, spec.smallToolBytes, spec.textBytes))
}
