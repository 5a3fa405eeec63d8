/** One run of the tool: the command line in, output written, an exit code out. */
import { CACHE_ENV, parseCommandLine } from './args.js'
import { commandOf } from './commands.js'
import { messageOf, UsageError, type Io } from './io.js'
import { withCache } from './open.js'
import { PROGRAM, usage } from './usage.js'

/** True when --help or -h is among the options (before any `--`), whatever else is there. */
function wantsHelp (argv: string[]): boolean {
  const end = argv.indexOf('--')
  return (end === -1 ? argv : argv.slice(0, end)).some((arg) => arg === '--help' || arg === '-h')
}

async function runCommand (argv: string[], env: Record<string, string | undefined>, io: Io): Promise<number> {
  if (wantsHelp(argv)) {
    io.stdout.write(usage())
    return 0
  }
  const invocation = parseCommandLine(argv, env)
  if (invocation.help || invocation.command === undefined) {
    io.stdout.write(usage())
    return invocation.help ? 0 : 2
  }
  const command = commandOf(invocation)
  const cacheUrl = invocation.cacheUrl
  if (cacheUrl === undefined) throw new UsageError(`no cache given: use --cache URL, give the URL as the first argument, or set ${CACHE_ENV}`)
  await withCache(cacheUrl, async (backend) => command.run({ backend, invocation, io, cacheUrl, now: Date.now() }))
  return 0
}

/**
 * Runs the tool with `argv` (the arguments after the script). Every error is one line on stderr; the exit code is 0
 * when done, 1 when the command failed, 2 when it was called wrongly.
 */
export async function run (argv: string[], env: Record<string, string | undefined>, io: Io): Promise<number> {
  try {
    return await runCommand(argv, env, io)
  } catch (error) {
    io.stderr.write(`${PROGRAM}: ${messageOf(error)}\n`)
    return error instanceof UsageError ? 2 : 1
  }
}
