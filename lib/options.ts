/** The interceptor's options: their types, defaults, and validation with errors that name the option and the value. */
import Keyv, { type KeyvStoreAdapter } from 'keyv'
import { CacheBackend } from './backends/base.js'
import { InFlight } from './coalesce.js'
import { MemoryBackend } from './backends/memory.js'
import { assertExpireAfter, describe, durationMs, NEVER_EXPIRE, UrlExpiryPatterns, type ExpireAfter } from './expiry.js'
import type { HeaderRecord } from './headers.js'
import { KeyBuilder, type KeyFn } from './key.js'

/** A stored response as `filter` sees it. */
export interface CachedResponse {
  url: string
  method: string
  status: number
  statusText: string
  headers: HeaderRecord
  body: Buffer
  /** When the response was generated. */
  createdAt: Date
  /** When it stops being fresh; null for never. */
  expiresAt: Date | null
}

export interface CacheOptions {
  /** Where responses are kept: a backend, a Keyv instance, or any Keyv store adapter. Default: a new `MemoryBackend()`. */
  cache?: CacheBackend | Keyv | KeyvStoreAdapter | Map<unknown, unknown>
  /** How long responses stay fresh when nothing more specific says. Default `NEVER_EXPIRE`. */
  expireAfter?: ExpireAfter
  /** Expiry by URL glob (scheme ignored, each pattern a prefix, `*` crosses `/`); the first match wins. */
  urlsExpireAfter?: Record<string, ExpireAfter>
  /** Status codes that may be stored. Default `[200]`. */
  allowedCodes?: number[]
  /** Methods that may be read from and stored. Default `['GET', 'HEAD']`. */
  allowedMethods?: string[]
  /** Request headers that are part of the key: `true` for all, or a list of names. Default `false`. */
  includeHeaders?: boolean | string[]
  /** Query parameters (and request headers) left out of the key, and redacted in what is stored. */
  ignoredParams?: string[]
  /** Honour the response's Cache-Control and Expires headers. Default `true`. */
  cacheControl?: boolean
  /** Veto storing a response (and, on a later read, drop an entry it now rejects). May be async. */
  filter?: (response: CachedResponse) => boolean | Promise<boolean>
  /** Replaces the cache key entirely. */
  keyFn?: KeyFn
  /** Responses with a larger body pass through without being stored. Default 64 MiB (or less, when the backend's store holds less). */
  maxBodySize?: number
  /**
   * Serve a stale entry when the origin cannot be reached or answers 5xx: `true` for any staleness, or how stale it
   * may be (seconds or a duration). The response's and the request's `stale-if-error=N` also allow it. Default `false`.
   */
  staleIfError?: boolean | number | string
  /**
   * Answer with a stale entry at once and refresh it in the background: `true` for any staleness, or how stale it
   * may be. The response's `stale-while-revalidate=N` also allows it. Default `false`.
   */
  staleWhileRevalidate?: boolean | number | string
  /**
   * Identical concurrent requests make one request to the origin: the others wait for the response it stores
   * (`Cache-Status: …; collapsed`). Default `true`.
   */
  coalesce?: boolean
  /**
   * Answer from what is stored, but never change it: a miss is not stored, a 304 does not update the entry, nothing
   * is deleted or invalidated. Fresh hits and stale answers (stale-while-revalidate, stale-if-error) are served.
   * Default `false`.
   */
  readOnly?: boolean
  /**
   * Cache responses to requests that carry an `Authorization` header (keyed on a digest of it, so two users never
   * share an entry). Default `false`: such requests bypass the cache, neither read nor stored.
   */
  cacheAuthorized?: boolean
}

/** Per-request options, given as `cache` in undici's dispatch options (`request(url, { cache: {…} })`). */
export interface RequestCacheOptions {
  /** The expiry of the response this request stores (below the Cache-Control headers, above URL patterns). */
  expireAfter?: ExpireAfter
  /** Do not answer from the cache: go to the origin and store what it returns. */
  refresh?: boolean
  /** Go to the origin unconditionally and overwrite the stored response. */
  forceRefresh?: boolean
  /** Answer from the cache only; a miss gets a 504 without touching the network. */
  onlyIfCached?: boolean
}

/** The options after validation, in the form the interceptor uses on every request. */
export interface Settings {
  backend: CacheBackend
  expireAfter: ExpireAfter
  urlPatterns: UrlExpiryPatterns
  allowedCodes: ReadonlySet<number>
  allowedMethods: ReadonlySet<string>
  keys: KeyBuilder
  cacheControl: boolean
  filter: CacheOptions['filter']
  maxBodySize: number
  /** How stale (seconds) an entry may be served on an origin error; 0 = never unless the headers allow it. */
  staleIfError: number
  /** How stale (seconds) an entry may be served while it is refreshed in the background. */
  staleWhileRevalidate: number
  /** Keys with a background refresh in flight (at most one each). */
  refreshing: Set<string>
  /** The requests at the origin that identical ones wait for; undefined with `coalesce: false` (and when read-only). */
  inFlight: InFlight | undefined
  /** Never write to or delete from the backend. */
  readOnly: boolean
  /** Requests with an `Authorization` header take part in the cache. */
  cacheAuthorized: boolean
}

const OPTION_NAMES = new Set(['cache', 'expireAfter', 'urlsExpireAfter', 'allowedCodes', 'allowedMethods', 'includeHeaders', 'ignoredParams', 'cacheControl', 'filter', 'keyFn', 'maxBodySize', 'staleIfError', 'staleWhileRevalidate', 'coalesce', 'readOnly', 'cacheAuthorized'])
const REQUEST_OPTION_NAMES = new Set(['expireAfter', 'refresh', 'forceRefresh', 'onlyIfCached'])
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function fail (option: string, expected: string, value: unknown): never {
  throw new TypeError(`${option} must be ${expected}; got ${describe(value)}`)
}

function isObject (value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object'
}

function assertKnown (value: Record<string, unknown>, known: ReadonlySet<string>, prefix: string): void {
  for (const name of Object.keys(value)) {
    if (!known.has(name)) throw new TypeError(`Unknown option ${prefix}${name} (known options: ${[...known].join(', ')})`)
  }
}

function booleanOption (value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(option, 'true or false', value)
  return value
}

function stringList (value: unknown, option: string, check: (item: string) => boolean, expected: string): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && check(item))) fail(option, expected, value)
  return value as string[]
}

function functionOption<T> (value: unknown, option: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') fail(option, 'a function', value)
  return value as T | undefined
}

function isKeyv (value: object): value is Keyv {
  return value instanceof Keyv || ('hooks' in value && 'opts' in value && typeof (value as Keyv).get === 'function' && typeof (value as Keyv).set === 'function')
}

function isStoreAdapter (value: object): value is KeyvStoreAdapter {
  const store = value as Record<string, unknown>
  return value instanceof Map || ['get', 'set', 'delete', 'clear'].every((method) => typeof store[method] === 'function')
}

/** Turns the `cache` option into a backend: a backend as is, a Keyv instance or store adapter wrapped in one. */
export function toBackend (value: unknown): CacheBackend {
  if (value === undefined) return new MemoryBackend()
  if (value instanceof CacheBackend) return value
  if (isObject(value) && isKeyv(value)) return new CacheBackend(value)
  if (isObject(value) && isStoreAdapter(value)) return new CacheBackend(new Keyv(value as KeyvStoreAdapter, { namespace: 'undici-client-cache' }))
  return fail('cache', 'a CacheBackend (MemoryBackend, SQLiteBackend, …), a Keyv instance or a Keyv store adapter (get/set/delete/clear)', value)
}

/** A stale window option in seconds: `true` = any staleness, `false` / absent = none, else a length of time. */
function staleWindow (value: unknown, option: string): number {
  if (value === undefined || value === false) return 0
  if (value === true) return Infinity
  if ((typeof value === 'number' && value >= 0 && Number.isFinite(value)) || typeof value === 'string') {
    try {
      return durationMs(value, option) / 1000
    } catch { /* reported below, with the accepted forms */ }
  }
  return fail(option, "true, false, a number of seconds or a duration such as '5m'", value)
}

/** Validates the interceptor's options; throws a TypeError naming the option and the value. */
export function resolveOptions (options: unknown): Settings {
  if (options === undefined) options = {}
  if (!isObject(options) || Array.isArray(options)) fail('cacheInterceptor options', 'an object', options)
  assertKnown(options, OPTION_NAMES, '')
  const o = options as CacheOptions

  const expireAfter = o.expireAfter ?? NEVER_EXPIRE
  assertExpireAfter(expireAfter, 'expireAfter')
  if (o.urlsExpireAfter !== undefined && (!isObject(o.urlsExpireAfter) || Array.isArray(o.urlsExpireAfter))) {
    fail('urlsExpireAfter', 'an object of { pattern: expireAfter }', o.urlsExpireAfter)
  }
  const allowedCodes = o.allowedCodes ?? [200]
  if (!Array.isArray(allowedCodes) || !allowedCodes.every((code) => Number.isInteger(code) && code >= 100 && code <= 599)) {
    fail('allowedCodes', 'an array of status codes (integers from 100 to 599)', allowedCodes)
  }
  const allowedMethods = stringList(o.allowedMethods, 'allowedMethods', (m) => TOKEN.test(m), 'an array of method names') ?? ['GET', 'HEAD']
  const includeHeaders = o.includeHeaders ?? false
  if (typeof includeHeaders !== 'boolean') stringList(includeHeaders, 'includeHeaders', (h) => TOKEN.test(h), 'true, false or an array of header names')
  const ignoredParams = stringList(o.ignoredParams, 'ignoredParams', (p) => p.length > 0, 'an array of parameter names') ?? []
  const maxBodySize = o.maxBodySize ?? 64 * 1024 * 1024
  if (typeof maxBodySize !== 'number' || !(maxBodySize >= 0) || (!Number.isInteger(maxBodySize) && maxBodySize !== Infinity)) {
    fail('maxBodySize', 'a number of bytes (a whole number >= 0, or Infinity)', maxBodySize)
  }
  const keyFn = functionOption<KeyFn>(o.keyFn, 'keyFn')
  const backend = toBackend(o.cache)
  const coalesce = booleanOption(o.coalesce, 'coalesce', true)
  const readOnly = booleanOption(o.readOnly, 'readOnly', false)

  return {
    backend,
    expireAfter,
    urlPatterns: new UrlExpiryPatterns(o.urlsExpireAfter ?? {}),
    allowedCodes: new Set(allowedCodes),
    allowedMethods: new Set(allowedMethods.map((method) => method.toUpperCase())),
    keys: new KeyBuilder({ ignoredParams, includeHeaders, keyFn }),
    cacheControl: booleanOption(o.cacheControl, 'cacheControl', true),
    filter: functionOption<CacheOptions['filter']>(o.filter, 'filter'),
    // A body the store cannot hold is not recorded either (DynamoDB's items, for one, are limited to 400 KB).
    maxBodySize: Math.min(maxBodySize, backend.maxEntrySize),
    staleIfError: staleWindow(o.staleIfError, 'staleIfError'),
    staleWhileRevalidate: staleWindow(o.staleWhileRevalidate, 'staleWhileRevalidate'),
    refreshing: new Set(),
    // (Read-only, nothing is stored for identical requests to share: each goes to the origin without waiting.)
    inFlight: coalesce && !readOnly ? new InFlight() : undefined,
    readOnly,
    cacheAuthorized: booleanOption(o.cacheAuthorized, 'cacheAuthorized', false)
  }
}

/** The options of a request that gives none. (One shared object; nobody changes it.) */
const DEFAULT_REQUEST_OPTIONS: RequestCacheOptions = Object.freeze({})

/** Validates a request's `cache` dispatch option: `false` (bypass), undefined, or {@link RequestCacheOptions}. */
export function resolveRequestOptions (value: unknown): RequestCacheOptions | false {
  if (value === undefined || value === true) return DEFAULT_REQUEST_OPTIONS
  if (value === false) return false
  if (!isObject(value) || Array.isArray(value)) fail('the request option cache', 'false or an object of per-request cache options', value)
  assertKnown(value, REQUEST_OPTION_NAMES, 'cache.')
  const options = value as RequestCacheOptions
  if (options.expireAfter !== undefined) assertExpireAfter(options.expireAfter, 'cache.expireAfter')
  for (const flag of ['refresh', 'forceRefresh', 'onlyIfCached'] as const) booleanOption(options[flag], `cache.${flag}`, false)
  return options
}
