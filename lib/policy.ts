/**
 * The caching decisions, as pure functions of headers, settings and the clock: what a request asks of the
 * cache, whether a stored entry may answer it, and whether (and until when) a response may be stored.
 */
import { isExpired } from './entry.js'
import { deltaSeconds, parseAge, parseCacheControl, parseHttpDate, parseVary, type Directives } from './cache-control.js'
import { boundedExpiry, DO_NOT_CACHE, resolveExpireAfter, type ExpireAfter } from './expiry.js'
import type { HeaderRecord } from './headers.js'
import type { ResponseHeaders } from './handler.js'

/** What the request's own Cache-Control (or `Pragma: no-cache`) asks for. */
export interface RequestDirectives {
  /** Neither read nor write the cache. */
  noStore: boolean
  /** Do not answer from the cache without going to the origin; store what comes back. */
  noCache: boolean
  /** Answer from the cache or with a 504; never go to the origin. */
  onlyIfCached: boolean
  /** Accept only entries at most this many seconds old; a positive value is also the stored entry's lifetime. */
  maxAge: number | undefined
  /** Accept an entry stale by up to this many seconds (`max-stale` without a value: any). */
  maxStale: number | undefined
  /** Accept only an entry still fresh for at least this many seconds. */
  minFresh: number | undefined
  /** Accept a stale entry, up to this many seconds stale, when the origin fails. */
  staleIfError: number | undefined
}

export function requestDirectives (headers: HeaderRecord): RequestDirectives {
  if (headers['cache-control'] === undefined && headers.pragma === undefined) return NO_DIRECTIVES
  const cc = headers['cache-control'] === undefined ? undefined : parseCacheControl(headers['cache-control'])
  const pragmaNoCache = cc === undefined && /(^|,)\s*no-cache\s*(,|$)/i.test(String(headers.pragma ?? ''))
  return {
    noStore: cc?.has('no-store') ?? false,
    noCache: (cc?.has('no-cache') ?? false) || pragmaNoCache,
    onlyIfCached: cc?.has('only-if-cached') ?? false,
    maxAge: cc === undefined ? undefined : deltaSeconds(cc, 'max-age', undefined),
    maxStale: cc === undefined ? undefined : deltaSeconds(cc, 'max-stale', Infinity),
    minFresh: cc === undefined ? undefined : deltaSeconds(cc, 'min-fresh', undefined),
    staleIfError: cc === undefined ? undefined : deltaSeconds(cc, 'stale-if-error', undefined)
  }
}

/** What a request without Cache-Control or Pragma asks for: nothing. (One shared object; nobody changes it.) */
const NO_DIRECTIVES: RequestDirectives = Object.freeze({
  noStore: false,
  noCache: false,
  onlyIfCached: false,
  maxAge: undefined,
  maxStale: undefined,
  minFresh: undefined,
  staleIfError: undefined
})

/** A request that already carries its own validators is the caller's conditional request: it passes through. */
export function isConditional (headers: HeaderRecord): boolean {
  return headers['if-none-match'] !== undefined || headers['if-modified-since'] !== undefined ||
    headers['if-match'] !== undefined || headers['if-unmodified-since'] !== undefined || headers['if-range'] !== undefined
}

export type StoreDecision =
  | { store: true, expiresAt: number | null, createdAt: number }
  | { store: false, reason: string }

export interface StoreInput {
  status: number
  headers: ResponseHeaders
  request: RequestDirectives
  /** The expiry chosen by settings: per-request, then URL pattern, then session (relative values count from `now`). */
  settingsExpiry: ExpireAfter
  /** Honour the response's Cache-Control and Expires. */
  cacheControl: boolean
  allowedCodes: ReadonlySet<number>
  now: number
}

function hasValidator (headers: ResponseHeaders): boolean {
  return headers.etag !== undefined || headers['last-modified'] !== undefined
}

/**
 * The response's own freshness (RFC 9111 §4.2.1, as a private cache: `s-maxage` ignored): `max-age` minus the
 * `Age` it arrived with, else `Expires` minus `Date`. `undefined` = no expiry stated; `null` = later than a Date can
 * hold; `no-cache` = stale on arrival.
 */
function responseExpiry (cc: Directives, headers: ResponseHeaders, now: number, age: number): number | null | undefined {
  // (A qualified no-cache="field" only keeps that field out of what is stored.)
  if (cc.get('no-cache') === true) return now
  const maxAge = deltaSeconds(cc, 'max-age', 0)
  if (maxAge !== undefined) return now + (maxAge - age) * 1000
  if (headers.expires !== undefined) {
    const expires = parseHttpDate(headers.expires)
    // An invalid Expires (such as "0") means "already expired" (RFC 9111 §5.3).
    if (expires === undefined) return now
    const date = parseHttpDate(headers.date) ?? now
    // (Both are Dates, but their distance may reach past what a Date can hold.)
    return boundedExpiry(now + (expires - date))
  }
  return undefined
}

/**
 * Whether a response may be stored, and until when. Precedence: the request's Cache-Control, then the
 * response's Cache-Control / Expires (unless `cacheControl` is off), then the settings' expiry.
 * An expiry already past is kept only when the response has a validator to revalidate with.
 */
export function decideStorage (input: StoreInput): StoreDecision {
  const { status, headers, request, now } = input
  if (!input.allowedCodes.has(status) || status === 206) return { store: false, reason: 'status' }
  if (request.noStore) return { store: false, reason: 'no-store' }
  const settingsExpiry = resolveExpireAfter(input.settingsExpiry, now)
  if (settingsExpiry === DO_NOT_CACHE) return { store: false, reason: 'do-not-cache' }
  if (parseVary(headers.vary)[0] === '*') return { store: false, reason: 'vary' }
  const age = parseAge(headers.age)
  const createdAt = now - age * 1000

  let expiresAt: number | null
  const cc = input.cacheControl ? parseCacheControl(headers['cache-control']) : undefined
  if (cc?.has('no-store')) return { store: false, reason: 'no-store' }
  if (cc !== undefined && deltaSeconds(cc, 'max-age', 0) === 0 && !cc.has('no-cache') && !hasValidator(headers)) return { store: false, reason: 'max-age=0' }
  if (request.maxAge !== undefined && request.maxAge > 0) expiresAt = now + request.maxAge * 1000
  else {
    const stated = cc === undefined ? undefined : responseExpiry(cc, headers, now, age)
    expiresAt = stated === undefined ? settingsExpiry : stated
  }

  if (expiresAt !== null && expiresAt <= now && !hasValidator(headers)) return { store: false, reason: 'expired' }
  return { store: true, expiresAt, createdAt }
}

/** Seconds of freshness an entry has left at `now` (negative once stale); undefined when it never expires. */
export function ttlSeconds (expiresAt: number | null, now: number): number | undefined {
  return expiresAt === null ? undefined : Math.floor((expiresAt - now) / 1000)
}

/** The `Age` of an entry at `now`, in whole seconds. */
export function ageSeconds (createdAt: number, now: number): number {
  return Math.max(0, Math.floor((now - createdAt) / 1000))
}

/** A stored entry as freshness sees it: its times, and its response's Cache-Control. */
export interface EntryTimes {
  expiresAt: number | null
  createdAt: number
  directives: Directives
}

/**
 * Whether an entry may answer a request without going to the origin. `revalidate`: the caller asked for it
 * (the `refresh` option). An `immutable` response is not revalidated while fresh, whatever the request says.
 */
export function isFresh (entry: EntryTimes, request: RequestDirectives, now: number, revalidate = false): boolean {
  if (revalidate || isExpired(entry, now)) return false
  if (request.minFresh !== undefined && entry.expiresAt !== null && entry.expiresAt - now < request.minFresh * 1000) return false
  if (entry.directives.has('immutable')) return true
  if (request.noCache) return false
  // A request max-age=0 (what fetch's `cache: 'no-cache'` sends) always goes to the origin.
  return request.maxAge === undefined || (request.maxAge > 0 && ageSeconds(entry.createdAt, now) <= request.maxAge)
}

/** How many seconds past its expiry an entry is at `now` (0 while fresh or when it never expires). */
export function staleness (entry: { expiresAt: number | null }, now: number): number {
  return entry.expiresAt === null ? 0 : Math.max(0, (now - entry.expiresAt) / 1000)
}

/** Whether the response allows serving it stale at all (`must-revalidate` and `no-cache` forbid it). */
function mayServeStale (entry: EntryTimes): boolean {
  return !entry.directives.has('must-revalidate') && entry.directives.get('no-cache') !== true
}

/** The request's `max-stale` lets it take this (stale) entry as it is. */
export function acceptsStale (entry: EntryTimes, request: RequestDirectives, now: number): boolean {
  return request.maxStale !== undefined && mayServeStale(entry) && staleness(entry, now) <= request.maxStale
}

/**
 * Whether a stale entry may be served in a stale window (RFC 5861): `stale-while-revalidate` or `stale-if-error`,
 * allowed by the request's directive, the response's, or the configured window (seconds).
 */
export function withinStaleWindow (entry: EntryTimes, directive: 'stale-while-revalidate' | 'stale-if-error', configured: number, requested: number | undefined, now: number): boolean {
  if (!mayServeStale(entry)) return false
  const window = Math.max(configured, requested ?? 0, deltaSeconds(entry.directives, directive, 0) ?? 0)
  return window > 0 && staleness(entry, now) <= window
}
