/** The RFC 9211 `Cache-Status` header: what this cache did with a request, written and read back. */
import { splitOutsideQuotes } from './lists.js'

/** The name this cache signs its `Cache-Status` entries with. */
export const CACHE_NAME = 'undici-client-cache'

/** Why a request went to the origin (RFC 9211 §2.2). */
export type ForwardReason = 'bypass' | 'method' | 'uri-miss' | 'vary-miss' | 'miss' | 'request' | 'stale'

export interface CacheStatus {
  /** The response came from the cache without going to the origin. */
  hit: boolean
  /** Why the request was forwarded to the origin, when it was. */
  fwd?: ForwardReason
  /** The status the origin answered a forwarded request with. */
  fwdStatus?: number
  /** Seconds of freshness left (negative once stale), when the response has an expiry. */
  ttl?: number
  /** The response is being stored. */
  stored?: boolean
  /** The request waited for an identical one in flight and shared its response. */
  collapsed?: boolean
  /** This cache's own reason, e.g. `status`, `no-store`, `expired`, `only-if-cached`. */
  detail?: string
}

/** An sf-token (RFC 8941 §3.3.4): a `fwd` or `detail` written as it is. */
const TOKEN = /^[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*$/

/** The largest magnitude of an sf-integer (RFC 8941 §3.3.1: at most 15 digits). */
const MAX_INTEGER = 999_999_999_999_999

/** A structured-field string (RFC 8941 §3.3.3): printable ASCII only, `"` and `\` escaped; anything else becomes `?`. */
function quote (text: string): string {
  return `"${text.replace(/[^\x20-\x7e]/g, '?').replace(/["\\]/g, '\\$&')}"`
}

/** A token as it is, anything else as a quoted string: nothing a caller passes can break out of the header. */
function tokenOrString (value: unknown): string {
  const text = String(value)
  return TOKEN.test(text) ? text : quote(text)
}

/** A number as an sf-integer (truncated, within its range); undefined when it is not a finite number. */
function integer (value: unknown): string | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined
  return String(Math.max(-MAX_INTEGER, Math.min(MAX_INTEGER, Math.trunc(value))))
}

/**
 * Formats this cache's `Cache-Status` entry, e.g. `undici-client-cache; fwd=uri-miss; stored`: always a well-formed
 * structured field of printable ASCII, whatever it is given (a `ttl` that is not a finite number is left out).
 */
export function formatCacheStatus (status: CacheStatus): string {
  let text = CACHE_NAME
  if (status.hit) text += '; hit'
  if (status.fwd) text += `; fwd=${tokenOrString(status.fwd)}`
  const fwdStatus = integer(status.fwdStatus)
  if (fwdStatus !== undefined) text += `; fwd-status=${fwdStatus}`
  const ttl = integer(status.ttl)
  if (ttl !== undefined) text += `; ttl=${ttl}`
  if (status.stored) text += '; stored'
  if (status.collapsed) text += '; collapsed'
  if (status.detail) text += `; detail=${tokenOrString(status.detail)}`
  return text
}

type HeaderSource = string | string[] | undefined | null | { get (name: string): string | null } | Record<string, unknown>

function headerText (headers: HeaderSource): string | undefined {
  if (headers === undefined || headers === null) return undefined
  if (typeof headers === 'string') return headers
  if (Array.isArray(headers)) return headers.join(', ')
  if (typeof headers.get === 'function') return (headers as { get (name: string): string | null }).get('cache-status') ?? undefined
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === 'cache-status') return Array.isArray(value) ? value.join(', ') : String(value)
  }
  return undefined
}

/** One parameter of an entry (RFC 8941 §3.1.2): a key, and a value that is an integer, a boolean, a token or a string. */
const PARAMETER = /^([a-z*][a-z0-9_\-.*]*)(?:=(-?\d{1,15}|\?[01]|[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*|"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*"))?$/
const INTEGER = /^-?\d+$/

/** The status an entry's parameters say; undefined when one of them is not well-formed. */
function readEntry (params: string[]): CacheStatus | undefined {
  const status: CacheStatus = { hit: false }
  for (const param of params) {
    const match = PARAMETER.exec(param)
    if (match === null) return undefined
    const [, key, raw] = match
    const flag = raw === undefined || raw === '?1'
    const text = raw === undefined || raw.startsWith('?') ? undefined : raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw
    const number = raw !== undefined && INTEGER.test(raw) ? Number(raw) : undefined
    if (key === 'hit') status.hit = flag
    else if (key === 'fwd' && text !== undefined) status.fwd = text as ForwardReason
    else if (key === 'fwd-status' && number !== undefined) status.fwdStatus = number
    else if (key === 'ttl' && number !== undefined) status.ttl = number
    else if (key === 'stored' && flag) status.stored = true
    else if (key === 'collapsed' && flag) status.collapsed = true
    else if (key === 'detail' && text !== undefined) status.detail = text
  }
  return status
}

/**
 * Reads this cache's entry back from a `Cache-Status` header. Accepts a fetch `Headers`, a headers object as
 * `undici.request` returns it, or the header's value. Returns undefined when the response has no entry of ours.
 *
 * Each cache appends its entry to the list, and this one does so last: only the last entry is read, and only when it
 * is this cache's and well-formed (this cache writes no other kind). An entry an upstream sent under this cache's name
 * is never read, even one that tries to swallow the real one into a quoted string of its own.
 */
export function parseCacheStatus (headers: HeaderSource): CacheStatus | undefined {
  const text = headerText(headers)
  if (!text) return undefined
  const last = splitOutsideQuotes(text, ',').map((member) => member.trim()).filter(Boolean).pop()
  if (last === undefined) return undefined
  const [name, ...params] = splitOutsideQuotes(last, ';').map((part) => part.trim())
  return name === CACHE_NAME ? readEntry(params) : undefined
}
