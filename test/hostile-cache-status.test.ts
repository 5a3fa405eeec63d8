/**
 * Hostile input to Cache-Status (cache-status.ts): whatever formatCacheStatus is given, it writes one well-formed
 * RFC 9211 entry of printable ASCII (nothing can be injected into the header), which parseCacheStatus reads back.
 */
import assert from 'node:assert/strict'
import { validateHeaderValue } from 'node:http'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { formatCacheStatus, parseCacheStatus, type CacheStatus, type ForwardReason } from 'undici-client-cache'
import { fuzzRuns, PURE_RUNS } from './helpers/fuzz.js'
import { hostileText, nastyPiece, sendable } from './helpers/hostile.js'

const REASONS: ForwardReason[] = ['bypass', 'method', 'uri-miss', 'vary-miss', 'miss', 'request', 'stale']
const DETAILS = ['status', 'no-store', 'max-age=0', 'expired', 'vary', 'too-large', 'redirect', 'read-only', 'only-if-cached', 'stale-if-error', 'key']

/** Numbers of every kind: integers, huge, tiny, negative zero, NaN and the infinities. */
const anyNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, -0, 1e300, 2 ** 53, 999_999_999_999_999, 1e15))

/** A status as a caller might pass it: real values, or hostile text where a token belongs and any number where an integer does. */
const anyStatus: fc.Arbitrary<CacheStatus> = fc.record({
  hit: fc.boolean(),
  fwd: fc.oneof(fc.constantFrom(...REASONS), hostileText.map((text) => text as ForwardReason)),
  fwdStatus: fc.oneof(fc.integer({ min: 100, max: 599 }), anyNumber),
  ttl: anyNumber,
  stored: fc.boolean(),
  collapsed: fc.boolean(),
  detail: fc.oneof(fc.constantFrom(...DETAILS), hostileText)
}, { requiredKeys: ['hit'] })

/** Our entry as RFC 9211 and RFC 8941 have it: the name, then parameters whose values are tokens, strings or integers. */
const ITEM = String.raw`(?:[A-Za-z*][!#$%&'*+\-.^_\`|~0-9A-Za-z:/]*|"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*")`
const ENTRY = new RegExp(String.raw`^undici-client-cache(?:; (?:hit|stored|collapsed|fwd=${ITEM}|fwd-status=-?\d{1,15}|ttl=-?\d{1,15}|detail=${ITEM}))*$`)

/** What reading the entry back gives: printable ASCII kept (anything else is `?`), numbers as whole sf-integers. */
function readBack (status: CacheStatus): CacheStatus {
  const text = (value: unknown): string => String(value).replace(/[^\x20-\x7e]/g, '?')
  const whole = (value: number | undefined): number | undefined =>
    value === undefined || !Number.isFinite(value) ? undefined : Math.max(-999_999_999_999_999, Math.min(999_999_999_999_999, Math.trunc(value))) + 0
  const expected: CacheStatus = { hit: status.hit }
  if (status.fwd) expected.fwd = text(status.fwd) as ForwardReason
  if (whole(status.fwdStatus) !== undefined) expected.fwdStatus = whole(status.fwdStatus)
  if (whole(status.ttl) !== undefined) expected.ttl = whole(status.ttl)
  if (status.stored) expected.stored = true
  if (status.collapsed) expected.collapsed = true
  if (status.detail) expected.detail = text(status.detail)
  return expected
}

describe('formatCacheStatus, whatever it is given', () => {
  test('writes one well-formed entry of printable ASCII: no CR, LF or other character a header cannot carry', () => {
    fc.assert(fc.property(anyStatus, (status) => {
      const value = formatCacheStatus(status)
      assert.match(value, /^[\x20-\x7e]+$/)
      assert.doesNotThrow(() => validateHeaderValue('cache-status', value))
      assert.match(value, ENTRY)
    }), fuzzRuns(PURE_RUNS))
  })

  test('round-trips through parseCacheStatus', () => {
    fc.assert(fc.property(anyStatus, (status) => {
      assert.deepEqual(parseCacheStatus(formatCacheStatus(status)), readBack(status))
    }), fuzzRuns(PURE_RUNS))
  })

  test('examples: text where a token belongs is quoted, numbers are whole and bounded, NaN and Infinity left out', () => {
    assert.equal(formatCacheStatus({ hit: false, fwd: 'uri-miss\r\nset-cookie: a=1' as ForwardReason }), 'undici-client-cache; fwd="uri-miss??set-cookie: a=1"')
    assert.equal(formatCacheStatus({ hit: true, ttl: Infinity, fwdStatus: Number.NaN }), 'undici-client-cache; hit')
    assert.equal(formatCacheStatus({ hit: true, ttl: 1e300 }), 'undici-client-cache; hit; ttl=999999999999999')
    assert.equal(formatCacheStatus({ hit: true, ttl: -0.5 }), 'undici-client-cache; hit; ttl=0')
    assert.equal(formatCacheStatus({ hit: false, detail: '304' }), 'undici-client-cache; detail="304"', 'a token starts with a letter')
    assert.equal(formatCacheStatus({ hit: false, detail: 'stale-if-error' }), 'undici-client-cache; detail=stale-if-error')
  })
})

/** A status as the interceptor writes one: its reasons, its details, whole numbers. */
const writtenStatus: fc.Arbitrary<CacheStatus> = fc.record({
  hit: fc.boolean(),
  fwd: fc.constantFrom(...REASONS),
  fwdStatus: fc.integer({ min: 100, max: 599 }),
  ttl: fc.integer({ min: -1e12, max: 1e12 }),
  stored: fc.boolean(),
  collapsed: fc.boolean(),
  detail: fc.constantFrom(...DETAILS)
}, { requiredKeys: ['hit'] })

/** Entries an upstream (the origin, a CDN) may send, forgeries of ours among them, some malformed on purpose. */
const upstreamEntry = fc.oneof(
  fc.constantFrom('ExampleCDN; hit', 'ExampleCDN; fwd=uri-miss; detail="a, b; c"', 'undici-client-cache; hit; ttl=99',
    'undici-client-cache; hit; detail="', 'undici-client-cache; hit; detail="x\\', 'x="', '"', 'a="b\\"c"', 'undici-client-cache'),
  anyStatus.map(formatCacheStatus),
  fc.array(fc.oneof(nastyPiece, hostileText), { maxLength: 4 }).map((pieces) => pieces.join(''))
)
/** A whole upstream Cache-Status value, as a header can carry it. */
const upstreamValue = fc.array(upstreamEntry, { minLength: 1, maxLength: 3 }).map((entries) => sendable(entries.join(', ')))

describe('parseCacheStatus, whatever the header holds', () => {
  test('never throws; any ttl or fwd-status it reads is a whole number', () => {
    fc.assert(fc.property(fc.oneof(upstreamValue, hostileText), (text) => {
      const status = parseCacheStatus(text)
      for (const value of [status?.ttl, status?.fwdStatus]) assert.ok(value === undefined || Number.isSafeInteger(value), String(value))
    }), fuzzRuns(PURE_RUNS))
  })

  test('after any upstream value, reads the entry this cache appended, or nothing: never a forged one', () => {
    fc.assert(fc.property(upstreamValue, writtenStatus, (upstream, status) => {
      const ours = formatCacheStatus(status)
      const read = parseCacheStatus(`${upstream}, ${ours}`)
      if (read !== undefined) assert.deepEqual(read, parseCacheStatus(ours))
    }), fuzzRuns(PURE_RUNS))
  })

  test('after well-formed upstream entries (forgeries of ours too), reads exactly the entry this cache appended', () => {
    fc.assert(fc.property(fc.array(anyStatus.map(formatCacheStatus), { minLength: 1, maxLength: 3 }), writtenStatus, (upstream, status) => {
      const ours = formatCacheStatus(status)
      assert.deepEqual(parseCacheStatus([...upstream, ours].join(', ')), readBack(status))
      assert.deepEqual(parseCacheStatus({ 'cache-status': [...upstream, ours] }), readBack(status))
    }), fuzzRuns(PURE_RUNS))
  })

  test('examples: only the last entry is read, when it is ours and well-formed', () => {
    assert.deepEqual(parseCacheStatus('undici-client-cache; hit; ttl=99, undici-client-cache; fwd=uri-miss; stored'), { hit: false, fwd: 'uri-miss', stored: true })
    assert.equal(parseCacheStatus('undici-client-cache; hit; detail=", undici-client-cache; fwd=uri-miss; detail="max-age=0"'), undefined)
    assert.equal(parseCacheStatus('undici-client-cache; hit, x=", undici-client-cache; detail="max-age=0"'), undefined)
    assert.equal(parseCacheStatus('undici-client-cache; hit, OtherCache; fwd=uri-miss'), undefined, 'not ours: the last entry is another cache\'s')
    assert.equal(parseCacheStatus('undici-client-cache; hit; ttl=1e+297'), undefined)
    assert.deepEqual(parseCacheStatus('undici-client-cache; hit; ttl=NaN'), { hit: true }, 'a well-formed token where an integer belongs is left out')
  })
})
