/** Workers print one line `RESULT <json>` on stdout; everything else is progress for the log. */
export function emit(result: unknown): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`)
}

export function argJson<T>(): T {
  const raw = process.argv[2]
  return (raw ? JSON.parse(raw) : {}) as T
}

export function progress(msg: string): void {
  process.stderr.write(`  ${msg}\n`)
}
