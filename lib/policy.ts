/**
 * The caching decisions, as pure functions of headers, settings and the clock: what a request asks of the
 * cache, whether a stored entry may answer it, and whether (and until when) a response may be stored.
 */
import { deltaSeconds, parseAge, parseCacheControl, parseHttpDate, parseVary, type Directives } from './cache-control.js'
import { DO_NOT_CACHE, resolveExpireAfter, type ExpireAfter } from './expiry.js'
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
}

export function requestDirectives (headers: HeaderRecord): RequestDirectives {
  const cc = headers['cache-control'] === undefined ? undefined : parseCacheControl(headers['cache-control'])
  const pragmaNoCache = cc === undefined && /(^|,)\s*no-cache\s*(,|$)/i.test(String(headers.pragma ?? ''))
  return {
    noStore: cc?.has('no-store') ?? false,
    noCache: (cc?.has('no-cache') ?? false) || pragmaNoCache,
    onlyIfCached: cc?.has('only-if-cached') ?? false,
    maxAge: cc === undefined ? undefined : deltaSeconds(cc, 'max-age', undefined)
  }
}

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
 * `Age` it arrived with, else `Expires` minus `Date`. `null` = no expiry stated; `no-cache` = stale on arrival.
 */
function responseExpiry (cc: Directives, headers: ResponseHeaders, now: number, age: number): number | undefined {
  if (cc.has('no-cache')) return now
  const maxAge = deltaSeconds(cc, 'max-age', 0)
  if (maxAge !== undefined) return now + (maxAge - age) * 1000
  if (headers.expires !== undefined) {
    const expires = parseHttpDate(headers.expires)
    // An invalid Expires (such as "0") means "already expired" (RFC 9111 §5.3).
    if (expires === undefined) return now
    const date = parseHttpDate(headers.date) ?? now
    return now + (expires - date)
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
  if (cc !== undefined && deltaSeconds(cc, 'max-age', 0) === 0 && !cc.has('no-cache')) return { store: false, reason: 'max-age=0' }
  if (request.maxAge !== undefined && request.maxAge > 0) expiresAt = now + request.maxAge * 1000
  else expiresAt = (cc && responseExpiry(cc, headers, now, age)) ?? settingsExpiry

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

/** Whether an entry may answer a request without going to the origin. */
export function isFresh (entry: { expiresAt: number | null, createdAt: number }, request: RequestDirectives, now: number): boolean {
  if (entry.expiresAt !== null && entry.expiresAt <= now) return false
  // A request max-age=0 (what fetch's `cache: 'no-cache'` sends) always goes to the origin.
  return request.maxAge === undefined || (request.maxAge > 0 && ageSeconds(entry.createdAt, now) <= request.maxAge)
}
