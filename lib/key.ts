/** URL normalization and cache keys. */
import { createHash } from 'node:crypto'
import { normalizeHeaderValue } from './cache-control.js'
import type { HeaderRecord } from './headers.js'

/** What a cache key is computed from; also what a custom `keyFn` receives. */
export interface CacheRequest {
  /** Upper-case method. */
  method: string
  /** The absolute request URL as sent (query included, not normalized). */
  url: string
  /** Request headers, lower-cased names. */
  headers: HeaderRecord
  /** The request body, when it has one. */
  body: Buffer | undefined
}

export type KeyFn = (request: CacheRequest) => string

/** The value ignored parameters and secret headers are replaced by in what is stored. */
export const REDACTED = 'REDACTED'

/** Content-negotiation request headers: lists of case-insensitive items. */
const NEGOTIATION_HEADERS = new Set(['accept', 'accept-encoding', 'accept-language', 'accept-charset'])

/** Request headers whose values are never stored in clear: only a digest, enough to compare. */
const SECRET_HEADERS = new Set([
  'authorization', 'proxy-authorization', 'cookie',
  'x-api-key', 'x-api-token', 'x-auth-token', 'x-access-token', 'api-key', 'apikey', 'x-goog-api-key', 'private-token', 'x-amz-security-token'
])

/**
 * Request headers that say who is asking. When a request carries one, its digest is part of the key even without
 * `includeHeaders`, so that two users' responses never share an entry (list one in `ignoredParams` to share).
 */
const CREDENTIAL_HEADERS = ['authorization', 'cookie'] as const
const NONE: readonly string[] = Object.freeze([])

export interface KeySettings {
  ignoredParams: readonly string[]
  includeHeaders: boolean | readonly string[]
  keyFn: KeyFn | undefined
}

function byNameThenValue (a: [string, string], b: [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0
}

function sha256 (text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** What a key is computed over: the method, the normalized URL, the matched request headers and the body. */
export interface KeyParts {
  method: string
  /** The normalized URL ({@link KeyBuilder.normalizeUrl}). */
  url: string
  /** The matched headers by name, in order: their values as matched ({@link KeyBuilder.matchValue}), `null` when absent. */
  headers: Array<[string, string | null]>
  body: Buffer | undefined
}

/**
 * The bytes a key is the SHA-256 of: a JSON array of the method, the URL, the headers and the body's length (-1 for
 * none), in UTF-8, then the body's bytes. The JSON array is self-delimiting (its end is found by reading it) and says how
 * many bytes follow, so the bytes give back the parts: no two different requests encode alike.
 */
export function keyEncoding (parts: KeyParts): Buffer[] {
  const head = Buffer.from(JSON.stringify([parts.method, parts.url, parts.headers, parts.body?.length ?? -1]), 'utf8')
  return parts.body === undefined ? [head] : [head, parts.body]
}

/** Turns requests into cache keys, the normalized URL and the request headers an entry is matched on. */
export class KeyBuilder {
  readonly #ignored: ReadonlySet<string>
  readonly #ignoredHeaders: ReadonlySet<string>
  readonly #includeAll: boolean
  readonly #included: readonly string[]
  readonly #keyFn: KeyFn | undefined
  /** Keys of requests without body or keyed headers, by URL object (the parsed URLs are reused) and method. */
  readonly #plainKeys = new WeakMap<URL, Record<string, string>>()

  constructor (settings: KeySettings) {
    this.#ignored = new Set(settings.ignoredParams)
    this.#ignoredHeaders = new Set(settings.ignoredParams.map((name) => name.toLowerCase()))
    this.#includeAll = settings.includeHeaders === true
    this.#included = Array.isArray(settings.includeHeaders)
      ? [...new Set(settings.includeHeaders.map((name: string) => name.toLowerCase()))].filter((name) => !this.#ignoredHeaders.has(name)).sort()
      : []
    this.#keyFn = settings.keyFn
  }

  /**
   * The URL as the key sees it: scheme and host lower-cased, default port and fragment dropped, dot segments
   * resolved, query pairs sorted by name then value (duplicates kept), and ignored parameters either removed
   * (`redact = false`, for keys) or given the value `REDACTED` (`redact = true`, for what is stored).
   */
  normalizeUrl (url: URL, redact = false): string {
    const base = `${url.protocol}//${url.host}${url.pathname}`
    if (url.search.length <= 1) return base
    const pairs: Array<[string, string]> = []
    for (const [name, value] of url.searchParams) {
      if (!this.#ignored.has(name)) pairs.push([name, value])
      else if (redact) pairs.push([name, REDACTED])
    }
    if (pairs.length === 0) return base
    return `${base}?${new URLSearchParams(pairs.sort(byNameThenValue)).toString()}`
  }

  /** The names of the request headers that are part of the key (all of them with `includeHeaders: true`). */
  includedHeaderNames (headers: HeaderRecord): readonly string[] {
    if (!this.#includeAll) return this.#included
    return Object.keys(headers).filter((name) => !this.#ignoredHeaders.has(name)).sort()
  }

  /** A request header value as it is matched and stored: normalized, secrets as digests, ignored ones redacted. */
  matchValue (name: string, headers: HeaderRecord): string | null {
    const value = normalizeHeaderValue(headers[name])
    if (value === null) return null
    if (this.#ignoredHeaders.has(name)) return REDACTED
    return SECRET_HEADERS.has(name) ? `sha256:${sha256(value)}` : value
  }

  /**
   * A request header value as `Vary` compares it: {@link matchValue}, and for the content-negotiation headers, whose
   * items are case-insensitive and whose order means nothing (q-values do), lower-cased and sorted.
   */
  varyValue (name: string, headers: HeaderRecord): string | null {
    const value = this.matchValue(name, headers)
    return value === null || !NEGOTIATION_HEADERS.has(name) ? value : value.toLowerCase().split(',').sort().join(',')
  }

  /** The request headers the key is computed over: the included ones, and any credentials the request carries. */
  #keyHeaderNames (headers: HeaderRecord): readonly string[] {
    // (The common request: no headers in the key, no credentials. No allocation.)
    if (!this.#includeAll && this.#included.length === 0 && CREDENTIAL_HEADERS.every((name) => headers[name] === undefined)) return NONE
    const names = new Set(this.includedHeaderNames(headers))
    for (const name of CREDENTIAL_HEADERS) {
      if (headers[name] !== undefined && !this.#ignoredHeaders.has(name)) names.add(name)
    }
    return [...names].sort()
  }

  /** What the key of a request is computed over (not used with a `keyFn`). */
  keyParts (request: CacheRequest, url: URL): KeyParts {
    return this.#keyParts(request, url, this.#keyHeaderNames(request.headers))
  }

  #keyParts (request: CacheRequest, url: URL, names: readonly string[]): KeyParts {
    return { method: request.method, url: this.normalizeUrl(url), headers: names.map((name) => [name, this.matchValue(name, request.headers)]), body: request.body }
  }

  /** The cache key: SHA-256 (hex) over an unambiguous encoding ({@link keyEncoding}) of method, URL, matched headers and body, or `keyFn`'s. */
  keyOf (request: CacheRequest, url: URL): string {
    if (this.#keyFn) return this.#keyFn(request)
    const names = this.#keyHeaderNames(request.headers)
    const body = request.body
    // The common request (no body, no headers in the key) is keyed by method and URL alone: remember those keys.
    const plain = body === undefined && names.length === 0
    const known = plain ? this.#plainKeys.get(url)?.[request.method] : undefined
    if (known !== undefined) return known
    const hash = createHash('sha256')
    for (const part of keyEncoding(this.#keyParts(request, url, names))) hash.update(part)
    const key = hash.digest('hex')
    if (plain) {
      const byMethod = this.#plainKeys.get(url) ?? Object.create(null) as Record<string, string>
      byMethod[request.method] = key
      this.#plainKeys.set(url, byMethod)
    }
    return key
  }
}
