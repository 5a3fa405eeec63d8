/** How the tool talks back: the streams it writes to, and the two kinds of error it reports. */

/** Where text goes: `process.stdout`, `process.stderr`, or a stand-in. */
export interface Output {
  write (text: string): unknown
  /** True for a terminal. */
  isTTY?: boolean
}

export interface Io {
  stdout: Output
  stderr: Output
}

/** A mistake in how the tool was called (a bad option, a missing argument): exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** The command was understood but could not be done (nothing found, a missing file): exit code 1. */
export class Failure extends Error {
  override name = 'Failure'
}

/** An error as one line: its message's first line (the first of several errors' when it bundles them). */
export function messageOf (error: unknown): string {
  if (error instanceof AggregateError && error.message === '' && error.errors.length > 0) return messageOf(error.errors[0])
  if (!(error instanceof Error)) return String(error)
  const code = (error as { code?: unknown }).code
  const text = error.message === '' ? (typeof code === 'string' ? code : error.name) : error.message
  return text.split('\n')[0]?.trim() ?? text
}

/** Prints a value as indented JSON (Dates as ISO strings). */
export function printJson (io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`)
}
