/** The commands: stats, list, show, delete, purge, clear. */
import { redactUrl } from '../backend-url.js'
import type { EntryInfo } from '../index.js'
import type { Invocation, OptionName } from './args.js'
import { filterOf, type Command } from './command.js'
import { countOf, formatBytes, formatExpiry, formatFields, formatTable } from './format.js'
import { printJson, UsageError } from './io.js'
import { progressReporter } from './progress.js'
import { show } from './show.js'

/** `3.4 KiB (3,456 bytes)`; just `512 B` under a KiB. */
function sizeText (bytes: number): string {
  return bytes < 1024 ? formatBytes(bytes) : `${formatBytes(bytes)} (${bytes.toLocaleString('en-US')} bytes)`
}

const stats: Command = {
  name: 'stats',
  synopsis: 'stats [--json]',
  summary: 'how many entries, how many of them expired, their size',
  options: ['json'],
  operands: { min: 0, max: 0 },
  async run ({ backend, invocation, io }) {
    const stats = await backend.stats()
    if (invocation.json) return printJson(io, stats)
    io.stdout.write(formatFields([['entries', String(stats.entries)], ['expired', String(stats.expired)], ['size', sizeText(stats.bytes)]]))
  }
}

/** By URL, then method. */
function byUrl (a: EntryInfo, b: EntryInfo): number {
  return a.url < b.url ? -1 : a.url > b.url ? 1 : a.method < b.method ? -1 : a.method > b.method ? 1 : 0
}

const list: Command = {
  name: 'list',
  synopsis: 'list [--expired] [--url GLOB] [--older-than AGE] [--json]',
  summary: 'the entries, by URL: status, method, size, expiry, URL',
  options: ['expired', 'url', 'older-than', 'json'],
  operands: { min: 0, max: 0 },
  async run ({ backend, invocation, io, now }) {
    const entries: EntryInfo[] = []
    for await (const info of backend.entries(filterOf(invocation))) entries.push(info)
    entries.sort(byUrl)
    if (invocation.json) return printJson(io, entries)
    if (entries.length === 0) {
      io.stdout.write('no entries\n')
      return
    }
    const columns = [{ title: 'STATUS' }, { title: 'METHOD' }, { title: 'SIZE', right: true }, { title: 'EXPIRES' }, { title: 'URL' }]
    const rows = entries.map((info) => [String(info.status), info.method, formatBytes(info.size), formatExpiry(info.expiresAt, now), info.url])
    const bytes = entries.reduce((sum, info) => sum + info.size, 0)
    io.stdout.write(`${formatTable(columns, rows)}${countOf(entries.length, 'entry', 'entries')}, ${formatBytes(bytes)}\n`)
  }
}

const remove: Command = {
  name: 'delete',
  synopsis: 'delete URL|GLOB...',
  summary: 'delete the entries of these URLs (and the redirects to them)',
  options: [],
  operands: { min: 1, max: Infinity, name: 'URL or GLOB' },
  async run ({ backend, invocation, io }) {
    const deleted = await backend.delete({ urls: invocation.operands })
    io.stdout.write(`deleted ${countOf(deleted, 'entry', 'entries')}\n`)
  }
}

const purge: Command = {
  name: 'purge',
  synopsis: 'purge --expired | --older-than AGE',
  summary: 'delete the expired entries, or those older than AGE; with both, those both expired and older',
  options: ['expired', 'older-than'],
  operands: { min: 0, max: 0 },
  check (invocation) {
    if (!invocation.expired && invocation.olderThan === undefined) throw new UsageError('purge needs --expired, --older-than AGE, or both')
  },
  async run ({ backend, invocation, io }) {
    const progress = progressReporter(io.stderr, 'purging')
    let purged: number
    try {
      purged = await backend.delete(filterOf(invocation), { onProgress: (p) => progress.update(p) })
    } finally {
      progress.end()
    }
    io.stdout.write(`purged ${countOf(purged, 'entry', 'entries')}\n`)
  }
}

const clear: Command = {
  name: 'clear',
  synopsis: 'clear --yes',
  summary: 'delete every entry',
  options: ['yes'],
  operands: { min: 0, max: 0 },
  check (invocation) {
    if (!invocation.yes) throw new UsageError('clear deletes every entry of the cache: add --yes to do it')
  },
  async run ({ backend, io, cacheUrl }) {
    await backend.clear()
    io.stdout.write(`cleared ${redactUrl(cacheUrl)}\n`)
  }
}

/** Every command, in the order the usage text lists them. */
export const COMMANDS: readonly Command[] = [stats, list, show, remove, purge, clear]

/** The options every command takes. */
const COMMON_OPTIONS: readonly OptionName[] = ['cache', 'help']

/** The command `invocation` names, once it is checked to take what it was given; a UsageError otherwise. */
export function commandOf (invocation: Invocation): Command {
  const name = invocation.command
  const command = COMMANDS.find((candidate) => candidate.name === name)
  if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)} (commands: ${COMMANDS.map((c) => c.name).join(', ')})`)
  const foreign = invocation.given.filter((option) => !COMMON_OPTIONS.includes(option) && !command.options.includes(option))
  if (foreign.length > 0) throw new UsageError(`${command.name} does not take ${foreign.map((option) => `--${option}`).join(', ')} (usage: ${command.synopsis})`)
  const { min, max, name: operand } = command.operands
  const count = invocation.operands.length
  if (count < min) throw new UsageError(`${command.name} needs a ${operand ?? 'value'} (usage: ${command.synopsis})`)
  if (count > max) throw new UsageError(`${command.name} takes ${max === 0 ? 'no arguments' : `at most ${max}`}; got ${JSON.stringify(invocation.operands.join(' '))} (usage: ${command.synopsis})`)
  if (invocation.operands.includes('')) throw new UsageError(`${command.name}: an empty ${operand ?? 'value'}`)
  command.check?.(invocation)
  return command
}
