#!/usr/bin/env node
/** The command-line tool: `undici-client-cache [--cache URL | URL] COMMAND [options]` (see `cli/usage.ts`). */
import { run } from './cli/run.js'

const code = await run(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr })
process.exitCode = code

// The backend is closed by now. Should a store's client still hold the process (a reconnection timer, a socket),
// exit anyway once the output is written.
setTimeout(() => {
  if (process.stdout.writableLength === 0) process.exit(code)
  process.stdout.once('drain', () => process.exit(code))
}, 1000).unref()
