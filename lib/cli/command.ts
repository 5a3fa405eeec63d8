/** What a command is: its name, what it takes, and how it runs against an open cache. */
import type { CacheBackend, EntryFilter } from '../index.js'
import type { Invocation, OptionName } from './args.js'
import type { Io } from './io.js'

export interface Context {
  backend: CacheBackend
  invocation: Invocation
  io: Io
  /** The cache's URL, as given. */
  cacheUrl: string
  /** The time the command started (epoch ms): relative times are counted from it. */
  now: number
}

export interface Command {
  name: string
  /** Its operands and options, for the usage text: `show URL|GLOB [--json]`. */
  synopsis: string
  /** What it does, in a few words. */
  summary: string
  /** The options it takes (besides --cache and --help). */
  options: OptionName[]
  /** How many operands it takes: at least `min`, at most `max`. */
  operands: { min: number, max: number, name?: string }
  /** Checks what it was given before the cache is opened; throws a UsageError. */
  check?: (invocation: Invocation) => void
  /** Does the work; throws a Failure when it cannot. */
  run: (context: Context) => Promise<void>
}

/** The filter the options --expired, --url and --older-than describe (only those given). */
export function filterOf (invocation: Invocation): EntryFilter {
  const filter: EntryFilter = {}
  if (invocation.urls.length > 0) filter.urls = invocation.urls
  if (invocation.expired) filter.expired = true
  if (invocation.olderThan !== undefined) filter.olderThan = invocation.olderThan
  return filter
}
