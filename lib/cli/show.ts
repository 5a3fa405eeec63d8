/** `show URL|GLOB`: every entry of a URL in full, its body previewed. */
import { StringDecoder } from 'node:string_decoder'
import type { CacheEntry, EntryInfo } from '../index.js'
import type { Command } from './command.js'
import { formatBytes, formatDate, formatFields } from './format.js'
import { Failure, printJson } from './io.js'

/** How much of a body is shown. */
export const PREVIEW_BYTES = 1024

/** Media types shown as text: `text/*`, and JSON, XML, JavaScript, YAML, CSV and form data (`+json`, `+xml` too). */
const TEXTUAL = /^text\/|[/+](?:json|xml|javascript|ecmascript|yaml|x-yaml|csv|x-www-form-urlencoded)$/

function header (entry: CacheEntry, name: string): string | undefined {
  return entry.headers.find(([field]) => field === name)?.[1]
}

/** True when the stored body is text: a textual content-type, and not compressed. */
function isText (entry: CacheEntry): boolean {
  const type = header(entry, 'content-type')?.split(';')[0]?.trim().toLowerCase()
  const encoding = header(entry, 'content-encoding')?.trim().toLowerCase()
  return type !== undefined && TEXTUAL.test(type) && (encoding === undefined || encoding === 'identity')
}

interface BodyPreview {
  /** The body's length in bytes. */
  bytes: number
  /** True when the preview is only its beginning. */
  truncated: boolean
  encoding: 'utf8' | 'base64'
  preview: string
}

/** The first {@link PREVIEW_BYTES} of the body: as text when it is text (no character cut in two), else as base64. */
function previewOf (entry: CacheEntry): BodyPreview {
  const head = entry.body.subarray(0, PREVIEW_BYTES)
  const truncated = head.length < entry.body.length
  if (isText(entry)) return { bytes: entry.body.length, truncated, encoding: 'utf8', preview: new StringDecoder('utf8').write(head) }
  return { bytes: entry.body.length, truncated, encoding: 'base64', preview: head.toString('base64') }
}

function bodyText (body: BodyPreview): string {
  if (body.bytes === 0) return 'body: (empty)\n'
  if (body.encoding === 'base64') return `body: (binary, ${body.bytes} bytes)\n`
  const heading = body.truncated ? `body (the first ${formatBytes(PREVIEW_BYTES)} of ${body.bytes} bytes):` : `body (${body.bytes} bytes):`
  return `${heading}\n${body.preview}${body.preview.endsWith('\n') ? '' : '\n'}${body.truncated ? '…\n' : ''}`
}

function entryText (info: EntryInfo, entry: CacheEntry, now: number): string {
  const fields = formatFields([
    ['url', info.url],
    ['method', info.method],
    ['key', info.key],
    ['created', formatDate(info.createdAt, now)],
    ['expires', info.expiresAt === null ? 'never' : formatDate(info.expiresAt, now)],
    ['size', `${formatBytes(info.size)} as stored`]
  ])
  const headers = entry.headers.map(([name, value]) => `  ${name}: ${value}\n`).join('')
  return `${entry.status} ${entry.statusText}${info.expired ? ' (expired)' : ''}\n${fields}\nheaders:\n${headers}\n${bodyText(previewOf(entry))}`
}

export const show: Command = {
  name: 'show',
  synopsis: 'show URL|GLOB [--json]',
  summary: 'each entry of a URL in full: dates, size, headers, the start of its body',
  options: ['json'],
  operands: { min: 1, max: 1, name: 'URL or GLOB' },
  async run ({ backend, invocation, io, now }) {
    const [url = ''] = invocation.operands
    const found: Array<{ info: EntryInfo, entry: CacheEntry }> = []
    for await (const info of backend.entries({ urls: [url] })) {
      const entry = await backend.get(info.key)
      if (entry !== undefined) found.push({ info, entry })
    }
    if (found.length === 0) throw new Failure(`no entry for ${url}`)
    if (invocation.json) {
      return printJson(io, found.map(({ info, entry }) => ({
        ...info, statusText: entry.statusText, headers: entry.headers, requestHeaders: entry.requestHeaders, body: previewOf(entry)
      })))
    }
    io.stdout.write(found.map(({ info, entry }) => entryText(info, entry, now)).join('\n'))
  }
}
