/**
 * Hostile input to the caching decisions (policy.ts, expiry.ts, replay.ts): whatever the response's caching headers,
 * the request's directives, the settings and the clock, the storage decision and freshness never throw, and no NaN,
 * Infinity, or time no Date can hold is produced or stored; a hit's Age and Cache-Status stay well-formed.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { DO_NOT_CACHE, EXPIRE_IMMEDIATELY, NEVER_EXPIRE, parseCacheStatus, type CacheEntry, type ExpireAfter } from 'undici-client-cache'
import { parseCacheControl } from '#lib/cache-control.js'
import { isExpired } from '#lib/entry.js'
import { assertExpireAfter, resolveExpireAfter } from '#lib/expiry.js'
import { acceptsStale, ageSeconds, decideStorage, isFresh, requestDirectives, staleness, ttlSeconds, withinStaleWindow, type RequestDirectives } from '#lib/policy.js'
import { entryResponse } from '#lib/replay.js'
import { fuzzRuns, PURE_RUNS } from './helpers/fuzz.js'
import { anyDate, cacheControlText, headerValue, hostileText, httpDateText, MAX_TIME, numberText, sendable, varyText } from './helpers/hostile.js'

/** A time a Date holds. */
function isTime (value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= MAX_TIME
}

function validExpireAfter (value: ExpireAfter): boolean {
  try {
    assertExpireAfter(value, 'expireAfter')
    return true
  } catch {
    return false
  }
}

/** Every value `expireAfter` accepts: the constants, any finite number of seconds (1e308 too), long durations, any Date. */
const anyExpireAfter: fc.Arbitrary<ExpireAfter> = fc.oneof(
  fc.constantFrom<ExpireAfter>(NEVER_EXPIRE, EXPIRE_IMMEDIATELY, DO_NOT_CACHE, 1e308, Number.MAX_VALUE),
  fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }),
  fc.nat(),
  fc.array(fc.tuple(fc.stringMatching(/^\d{1,30}(\.\d{1,3})?$/), fc.constantFrom(' ', ''), fc.mixedCase(fc.constantFrom('ms', 's', 'm', 'h', 'd', 'w'))), { minLength: 1, maxLength: 3 })
    .map((parts) => parts.map((part) => part.join('')).join(''))
    .filter(validExpireAfter),
  anyDate
)

/** The clock: today's times, and any time from 1970 to the year 9999. */
const anyNow = fc.oneof(fc.integer({ min: 1.5e12, max: 2.5e12 }), fc.integer({ min: 0, max: 253_402_300_799_999 }))

/** What a request's Cache-Control and Pragma may ask, hostile values included. */
const anyRequest: fc.Arbitrary<RequestDirectives> = fc.record({
  'cache-control': fc.oneof(cacheControlText, hostileText),
  pragma: fc.oneof(fc.constant('no-cache'), hostileText)
}, { requiredKeys: [] }).map(requestDirectives)

/** A response's headers as undici gives them: the caching ones hostile, validators present or not. */
const responseHeaders = fc.record({
  'cache-control': headerValue(fc.oneof(cacheControlText, hostileText)),
  expires: headerValue(httpDateText),
  date: headerValue(httpDateText),
  age: headerValue(numberText),
  vary: headerValue(fc.oneof(varyText, hostileText)),
  etag: fc.constantFrom('"v1"', 'W/"x"', ''),
  'last-modified': httpDateText
}, { requiredKeys: [] })

const REASONS = new Set(['status', 'no-store', 'do-not-cache', 'vary', 'max-age=0', 'expired'])

describe('decideStorage and resolveExpireAfter, whatever they are given', () => {
  test('resolveExpireAfter: a time a Date holds, null (never) or DO_NOT_CACHE; never NaN or Infinity', () => {
    fc.assert(fc.property(anyExpireAfter, anyNow, (value, now) => {
      const resolved = resolveExpireAfter(value, now)
      assert.ok(resolved === null || resolved === DO_NOT_CACHE || isTime(resolved), String(resolved))
    }), fuzzRuns(PURE_RUNS))
  })

  test('never throws; what it stores has times a Date holds, is stale on arrival only with a validator, and a finite ttl', () => {
    const input = fc.record({
      status: fc.oneof(fc.constantFrom(200, 203, 206, 301, 404), fc.integer({ min: 100, max: 999 })),
      headers: responseHeaders,
      request: anyRequest,
      settingsExpiry: anyExpireAfter,
      cacheControl: fc.boolean(),
      allowedCodes: fc.constantFrom(new Set([200]), new Set([200, 203, 206, 301, 404])),
      now: anyNow
    })
    fc.assert(fc.property(input, (given) => {
      const decision = decideStorage(given)
      if (!decision.store) return assert.ok(REASONS.has(decision.reason), decision.reason)
      const { createdAt, expiresAt } = decision
      assert.ok(isTime(createdAt) && createdAt <= given.now, `createdAt ${createdAt}`)
      assert.ok(expiresAt === null || isTime(expiresAt), `expiresAt ${String(expiresAt)}`)
      if (expiresAt !== null && expiresAt <= given.now) assert.ok(given.headers.etag !== undefined || given.headers['last-modified'] !== undefined, 'stale on arrival without a validator')
      assert.ok(given.allowedCodes.has(given.status) && given.status !== 206)
      assert.equal(given.request.noStore, false)
      if (given.cacheControl) assert.equal(parseCacheControl(given.headers['cache-control']).has('no-store'), false)
      const ttl = ttlSeconds(expiresAt, given.now)
      assert.ok(ttl === undefined || Number.isSafeInteger(ttl), `ttl ${String(ttl)}`)
    }), fuzzRuns(PURE_RUNS * 2))
  })
})

describe('freshness, whatever the stored times, directives and clock', () => {
  const storedTimes = fc.record({
    createdAt: fc.oneof(anyNow, fc.integer({ min: -MAX_TIME, max: MAX_TIME })),
    expiresAt: fc.option(fc.oneof(anyNow, fc.integer({ min: -MAX_TIME, max: MAX_TIME }))),
    directives: fc.oneof(cacheControlText, hostileText).map((value) => parseCacheControl(value))
  })
  const windows = fc.oneof(fc.constantFrom(0, Infinity), fc.nat(), fc.double({ min: 0, noNaN: true }))

  test('never throws; an expired entry is never fresh; staleness and age are finite, never negative', () => {
    fc.assert(fc.property(storedTimes, anyRequest, anyNow, windows, fc.boolean(), (entry, request, now, window, revalidate) => {
      const fresh = isFresh(entry, request, now, revalidate)
      if (isExpired(entry, now)) assert.equal(fresh, false)
      if (fresh) assert.ok((ttlSeconds(entry.expiresAt, now) ?? 0) >= 0)
      const stale = staleness(entry, now)
      assert.ok(Number.isFinite(stale) && stale >= 0, String(stale))
      const age = ageSeconds(entry.createdAt, now)
      assert.ok(Number.isSafeInteger(age) && age >= 0, String(age))
      const servesStale = [acceptsStale(entry, request, now), withinStaleWindow(entry, 'stale-while-revalidate', window, request.staleIfError, now),
        withinStaleWindow(entry, 'stale-if-error', window, request.staleIfError, now)]
      for (const answer of servesStale) assert.equal(typeof answer, 'boolean')
      if (entry.directives.has('must-revalidate') || entry.directives.get('no-cache') === true) assert.deepEqual(servesStale, [false, false, false])
    }), fuzzRuns(PURE_RUNS))
  })

  test('a hit\'s Age and Cache-Status: well-formed and finite, whatever the stored times and headers', () => {
    const entry: fc.Arbitrary<CacheEntry> = fc.record({
      createdAt: fc.integer({ min: -MAX_TIME, max: MAX_TIME }),
      expiresAt: fc.option(fc.integer({ min: -MAX_TIME, max: MAX_TIME })),
      upstream: fc.option(hostileText.map(sendable)),
      cacheControl: fc.oneof(cacheControlText, hostileText).map(sendable)
    }).map(({ createdAt, expiresAt, upstream, cacheControl }) => ({
      status: 200,
      statusText: 'OK',
      headers: [['cache-control', cacheControl], ...(upstream === null ? [] : [['cache-status', upstream] as [string, string]])],
      body: Buffer.from('x'),
      url: 'http://example.com/',
      method: 'GET',
      createdAt,
      expiresAt,
      requestHeaders: {}
    }))
    fc.assert(fc.property(entry, anyNow, fc.boolean(), (stored, now, hit) => {
      const { headers } = entryResponse(stored, hit ? { hit } : { hit, fwd: 'stale', fwdStatus: 304, stored: true }, now)
      assert.match(String(headers.age), /^\d+$/)
      const status = parseCacheStatus(headers)
      assert.equal(status?.hit, hit)
      assert.equal(status.ttl, ttlSeconds(stored.expiresAt, now))
    }), fuzzRuns(PURE_RUNS))
  })
})
