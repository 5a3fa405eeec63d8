/** Which stored entries a management call names: a request given by URL, or a filter over keys, URLs, expiry and age. */
import { isExpired, isResponse, type CacheEntry } from '../entry.js'
import { describe, durationMs, globToRegExp, withoutScheme } from '../expiry.js'
import { toHeaderRecord } from '../headers.js'
import type { CacheRequest, KeyBuilder } from '../key.js'

/** A request described for `hasUrl` / `deleteUrl`, keyed exactly as the interceptor keys it. */
export interface UrlRequestInit {
  /** Default `'GET'`. */
  method?: string
  /** Request headers, when the key includes some (`includeHeaders`). */
  headers?: Record<string, string | string[]> | Array<[string, string]> | Iterable<[string, string]>
  /** The request body, when the key includes one (e.g. a cached POST). */
  body?: string | Uint8Array
}

/** Builds the key of a request given by URL, with `keys`' rules. */
export function keyOfUrl (keys: KeyBuilder, url: string | URL, init: UrlRequestInit = {}): string {
  const parsed = new URL(url)
  const request: CacheRequest = {
    method: (init.method ?? 'GET').toUpperCase(),
    url: parsed.href,
    headers: toHeaderRecord(init.headers),
    body: init.body === undefined ? undefined : Buffer.from(init.body as string)
  }
  return keys.keyOf(request, parsed)
}

/** Which entries `entries()`, `delete()` and `resetExpiration()` cover: each condition given must hold. */
export interface EntryFilter {
  /** Only the entries under these keys. */
  keys?: string[]
  /**
   * Only the entries whose URL is one of these: a URL (compared as the cache stores it: normalized, ignored parameters
   * `REDACTED`), or a glob matched against the whole stored URL (`*` any run of characters, `/` included; `?` one
   * character; `[abc]` a class). A pattern without `://` ignores the stored URL's scheme.
   */
  urls?: string[]
  /** `true`: only expired entries (and, for deletion, values that are not readable entries); `false`: only fresh ones. */
  expired?: boolean
  /** Only the entries created before this `Date`, or longer ago than this many seconds or this duration (`'7d'`). */
  olderThan?: number | string | Date
}

/** What `entries()` tells of a stored response. */
export interface EntryInfo {
  key: string
  /** The normalized request URL, ignored parameters `REDACTED`. */
  url: string
  method: string
  status: number
  /** When the response was generated. */
  createdAt: Date
  /** When it stops being fresh; null for never. */
  expiresAt: Date | null
  /** True when it is past `expiresAt`. */
  expired: boolean
  /** Its size in bytes, as stored. */
  size: number
}

/** A filter as a predicate over stored values: `entry` is undefined for a value that is not a readable entry. */
export type EntryMatcher = (key: string, entry: CacheEntry | undefined) => boolean

const FILTER_FIELDS = new Set(['keys', 'urls', 'expired', 'olderThan'])

function strings (value: unknown, option: string): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && item !== '')) {
    throw new TypeError(`${option} must be an array of non-empty strings; got ${describe(value)}`)
  }
  return value as string[]
}

/** The creation time before which an entry is older than `olderThan`. */
function createdBefore (olderThan: unknown, option: string, now: number): number | undefined {
  if (olderThan === undefined) return undefined
  if (olderThan instanceof Date) {
    if (Number.isNaN(olderThan.getTime())) throw new TypeError(`${option} must be a valid Date; got an invalid one`)
    return olderThan.getTime()
  }
  return now - durationMs(olderThan, option)
}

/** One `urls` pattern as a test of a stored URL: equal to it as a URL, or matched by it as a glob. */
function urlTest (pattern: string, keys: KeyBuilder): (url: string) => boolean {
  let normalized: string | undefined
  try {
    normalized = keys.normalizeUrl(new URL(pattern), true)
  } catch { /* not a URL: a glob only */ }
  const glob = globToRegExp(pattern.includes('://') ? pattern : withoutScheme(pattern), true)
  const scheme = pattern.includes('://')
  return (url) => url === normalized || glob.test(scheme ? url : withoutScheme(url))
}

/**
 * Validates a filter (a TypeError naming `caller` and the field) and compiles it. With `required`, a filter that names
 * no condition is refused: deleting every entry is `clear()`'s job.
 */
export function entryMatcher (filter: unknown, keys: KeyBuilder, now: number, caller: string, required: boolean): EntryMatcher {
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) throw new TypeError(`${caller}: the filter must be an object; got ${describe(filter)}`)
  for (const name of Object.keys(filter)) {
    if (!FILTER_FIELDS.has(name)) throw new TypeError(`${caller}: unknown filter field ${name} (known: ${[...FILTER_FIELDS].join(', ')})`)
  }
  const given = filter as Record<string, unknown>
  const keySet = strings(given.keys, `${caller}: keys`)
  const urlTests = strings(given.urls, `${caller}: urls`)?.map((pattern) => urlTest(pattern, keys))
  const expired = given.expired
  if (expired !== undefined && typeof expired !== 'boolean') throw new TypeError(`${caller}: expired must be true or false; got ${describe(expired)}`)
  const before = createdBefore(given.olderThan, `${caller}: olderThan`, now)
  if (required && keySet === undefined && urlTests === undefined && expired === undefined && before === undefined) {
    throw new TypeError(`${caller}: the filter names no entries (give keys, urls, expired or olderThan; clear() deletes everything)`)
  }
  const keyOk = (key: string): boolean => keySet === undefined || keySet.includes(key)
  return (key, entry) => {
    // (A value that is not a readable entry has no URL or times: it goes when named by key, or as one expired.)
    if (entry === undefined) return keyOk(key) && urlTests === undefined && before === undefined && (keySet !== undefined || expired === true)
    if (!keyOk(key)) return false
    if (urlTests !== undefined && !urlTests.some((test) => test(entry.url))) return false
    if (expired !== undefined && isExpired(entry, now) !== expired) return false
    return before === undefined || entry.createdAt < before
  }
}

/** What `entries()` reports of a stored response; undefined for the cache's own markers (variant indexes, aliases). */
export function entryInfo (key: string, entry: CacheEntry, size: number, now: number): EntryInfo | undefined {
  if (!isResponse(entry)) return undefined
  return {
    key,
    url: entry.url,
    method: entry.method,
    status: entry.status,
    createdAt: new Date(entry.createdAt),
    expiresAt: entry.expiresAt === null ? null : new Date(entry.expiresAt),
    expired: isExpired(entry, now),
    size
  }
}
