/** The command line read: the command, its operands, its options, and which cache it is about. */
import { parseArgs } from 'node:util'
import { isBackendUrl } from '../backend-url.js'
import { durationMs } from '../expiry.js'
import { UsageError } from './io.js'

/** The environment variable naming the cache when the command line does not. */
export const CACHE_ENV = 'UNDICI_CLIENT_CACHE'

interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  multiple?: boolean
  /** What the value is, in the usage text (string options). */
  value?: string
  help: string
}

/** Every option the tool takes; which command takes which is said by the command. */
export const OPTIONS = {
  cache: { type: 'string', value: 'URL', help: 'the cache (see above)' },
  json: { type: 'boolean', help: 'print JSON (stats, list, show)' },
  expired: { type: 'boolean', help: 'only expired entries' },
  url: { type: 'string', multiple: true, value: 'GLOB', help: 'only entries whose URL matches GLOB: * any characters, ? one, [abc] one of these; repeatable' },
  'older-than': { type: 'string', value: 'AGE', help: 'only entries created more than AGE ago: 30m, 12h, 7d, 2w, a number of seconds, or a date (2025-01-31)' },
  yes: { type: 'boolean', help: 'confirm that clear may delete everything' },
  help: { type: 'boolean', short: 'h', help: 'print this help' }
} as const satisfies Record<string, OptionSpec>

export type OptionName = keyof typeof OPTIONS

/** How old an entry must be, as the inspection API takes it: seconds, a duration string, or a date. */
export type Age = number | string | Date

export interface Invocation {
  /** The command name as given; undefined when there is none. */
  command: string | undefined
  /** What follows the command (URLs, globs). */
  operands: string[]
  /** The cache's URL, from `--cache`, the first argument, or the environment; undefined when none gives one. */
  cacheUrl: string | undefined
  /** The options given, for the commands to check they take them. */
  given: OptionName[]
  help: boolean
  json: boolean
  expired: boolean
  urls: string[]
  olderThan: Age | undefined
  yes: boolean
}

/** `--older-than`'s value: `7d` (a duration), `3600` (seconds), or a date. */
export function parseAge (text: string): Age {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text)
  try {
    durationMs(text, '--older-than')
    return text
  } catch {
    // Not a duration: a date, perhaps.
  }
  const date = /^\d{4}-\d{2}-\d{2}/.test(text) ? new Date(text) : undefined
  if (date !== undefined && Number.isFinite(date.getTime())) return date
  throw new UsageError(`--older-than takes a duration (30m, 12h, 7d, 2w), a number of seconds or a date (2025-01-31); got ${JSON.stringify(text)}`)
}

/** Node's parseArgs error, in a line of our own: `unknown option --frobnicate`, `--cache needs a value`. */
function usageErrorOf (error: unknown): UsageError {
  const code = (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message : String(error)
  const option = /'(-[^' ]*)/.exec(message)?.[1] ?? ''
  const name = option.replace(/^-+/, '').replace(/=.*$/, '')
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option ${option}`)
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const spec: OptionSpec | undefined = (OPTIONS as Record<string, OptionSpec>)[name]
    return new UsageError(spec?.type === 'string' ? `--${name} needs a value (${spec.value})` : `--${name} takes no value`)
  }
  return new UsageError(message.split('\n')[0] ?? message)
}

/** Reads the command line (without `node` and the script). Throws a {@link UsageError} when it makes no sense. */
export function parseCommandLine (argv: string[], env: Record<string, string | undefined>): Invocation {
  let parsed
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true, tokens: true })
  } catch (error) {
    throw usageErrorOf(error)
  }
  const { values, positionals, tokens } = parsed
  const given = [...new Set(tokens.flatMap((token) => token.kind === 'option' ? [token.name as OptionName] : []))]
  const leadingUrl = positionals[0] !== undefined && isBackendUrl(positionals[0]) ? positionals.shift() : undefined
  if (leadingUrl !== undefined && values.cache !== undefined) throw new UsageError('the cache is given twice: as --cache and as the first argument')
  const envUrl = env[CACHE_ENV] === '' ? undefined : env[CACHE_ENV]
  const [command, ...operands] = positionals
  return {
    command,
    operands,
    cacheUrl: values.cache ?? leadingUrl ?? envUrl,
    given,
    help: values.help === true || command === 'help',
    json: values.json === true,
    expired: values.expired === true,
    urls: values.url ?? [],
    olderThan: values['older-than'] === undefined ? undefined : parseAge(values['older-than']),
    yes: values.yes === true
  }
}
