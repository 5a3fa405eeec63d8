/**
 * Hostile input to the header parsers (cache-control.ts, lists.ts): random and malformed Cache-Control, Pragma,
 * Expires, Date, Age and Vary values never make a parser throw, and every number they yield is one the policy can use.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { splitOutsideQuotes } from '#lib/lists.js'
import { deltaSeconds, normalizeHeaderValue, parseAge, parseCacheControl, parseHttpDate, parseVary } from '#lib/cache-control.js'
import { requestDirectives } from '#lib/policy.js'
import { parseCacheStatus } from 'undici-client-cache'
import { fuzzRuns, PURE_RUNS } from './helpers/fuzz.js'
import { cacheControlText, headerValue, hostileText, httpDateText, MAX_TIME, nastyPiece, numberText, varyText } from './helpers/hostile.js'

/** The largest number of seconds a delta-seconds value is read as (RFC 9111 §1.2.2). */
const MAX_DELTA = 2 ** 31

/** A delta-seconds value the policy can use: a whole number of seconds, at least 0, at most 2^31. */
function assertDelta (value: number | undefined, what: string): void {
  assert.ok(value === undefined || (Number.isInteger(value) && value >= 0 && value <= MAX_DELTA), `${what}: ${String(value)}`)
}

const DIRECTIVE_NAMES = ['max-age', 'max-stale', 'min-fresh', 'stale-if-error', 'stale-while-revalidate', 's-maxage', 'no-cache']

describe('splitting lists outside quoted strings', () => {
  /** The regular expression the splitting was done with before: the same items, in quadratic time on unclosed quotes. */
  const reference = (text: string, separator: string): string[] =>
    text.match(new RegExp(`(?:[^${separator}"]|"(?:[^"\\\\]|\\\\.)*")+`, 'g')) ?? []

  test('gives the items the regular expression it replaces gave, for any text (line breaks aside)', () => {
    const listText = fc.array(fc.oneof(nastyPiece, fc.constantFrom('"', '\\', ',', ';', 'a', '"a,b"', '"\\"'), hostileText), { maxLength: 12 })
      .map((pieces) => pieces.join('').replace(/[\n\r\u2028\u2029]/g, ''))
    fc.assert(fc.property(listText, fc.constantFrom(',', ';'), (text, separator) => {
      assert.deepEqual(splitOutsideQuotes(text, separator), reference(text, separator))
    }), fuzzRuns(PURE_RUNS * 3))
  })

  test('a quoted string keeps its separators; an unclosed quote separates', () => {
    assert.deepEqual(splitOutsideQuotes('a, no-cache="x, y", b', ','), ['a', ' no-cache="x, y"', ' b'])
    assert.deepEqual(splitOutsideQuotes('a"b,c', ','), ['a', 'b', 'c'])
    assert.deepEqual(splitOutsideQuotes('"\\"",,x', ','), ['"\\""', 'x'])
  })

  test('a 1 MiB header of unclosed quoted strings is parsed (the regular expression would have taken hours)', () => {
    const hostile = '"\\'.repeat(512 * 1024)
    assert.deepEqual([...parseCacheControl(hostile).keys()], ['\\'])
    assert.deepEqual(parseCacheStatus(`${hostile}, undici-client-cache; hit`), { hit: true })
  })
})

describe('Cache-Control, Pragma, Expires, Date, Age and Vary: any value', () => {
  test('Cache-Control: never throws; names lower-cased and trimmed; every delta-seconds a whole number in [0, 2^31]', () => {
    fc.assert(fc.property(headerValue(fc.oneof(cacheControlText, hostileText)), (value) => {
      const directives = parseCacheControl(value)
      for (const [name, directive] of directives) {
        assert.ok(name !== '' && name === name.trim().toLowerCase(), JSON.stringify(name))
        assert.ok(directive === true || typeof directive === 'string')
      }
      for (const name of DIRECTIVE_NAMES) {
        assertDelta(deltaSeconds(directives, name, undefined), name)
        assert.equal(deltaSeconds(directives, name, 0) === undefined, !directives.has(name), 'a directive given is read, valid or not')
      }
    }), fuzzRuns(PURE_RUNS))
  })

  test('a request\'s Cache-Control and Pragma: never throw; each limit a whole number in [0, 2^31] (max-stale without a value: any)', () => {
    const requestHeaders = fc.record({ 'cache-control': fc.oneof(cacheControlText, hostileText), pragma: fc.oneof(fc.constant('no-cache'), hostileText) }, { requiredKeys: [] })
    fc.assert(fc.property(requestHeaders, (headers) => {
      const directives = requestDirectives(headers)
      for (const flag of [directives.noStore, directives.noCache, directives.onlyIfCached]) assert.equal(typeof flag, 'boolean')
      assertDelta(directives.maxAge, 'max-age')
      assertDelta(directives.minFresh, 'min-fresh')
      assertDelta(directives.staleIfError, 'stale-if-error')
      if (directives.maxStale !== Infinity) assertDelta(directives.maxStale, 'max-stale')
    }), fuzzRuns(PURE_RUNS))
  })

  test('Expires and Date: never throw; a time is one a Date holds, or nothing', () => {
    fc.assert(fc.property(headerValue(httpDateText), (value) => {
      const time = parseHttpDate(value)
      assert.ok(time === undefined || (Number.isFinite(time) && Math.abs(time) <= MAX_TIME), String(time))
    }), fuzzRuns(PURE_RUNS))
  })

  test('an IMF-fixdate is read to the second, in every year HTTP dates have', () => {
    fc.assert(fc.property(fc.date({ min: new Date('1970-01-01'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
      assert.equal(parseHttpDate(date.toUTCString()), Math.floor(date.getTime() / 1000) * 1000)
    }), fuzzRuns(PURE_RUNS))
  })

  test('Age: never throws; a whole number of seconds in [0, 2^31], 0 when it is not one', () => {
    fc.assert(fc.property(headerValue(numberText), (value) => {
      const age = parseAge(value)
      assertDelta(age, 'age')
      const text = Array.isArray(value) ? value[0] : value
      if (text === undefined || !/^\s*\d+\s*$/.test(text)) assert.equal(age, 0)
    }), fuzzRuns(PURE_RUNS))
  })

  test('Vary: never throws; names lower-cased, trimmed, not empty, not repeated; * alone when it is there', () => {
    fc.assert(fc.property(headerValue(fc.oneof(varyText, hostileText)), (value) => {
      const names = parseVary(value)
      assert.equal(new Set(names).size, names.length)
      for (const name of names) assert.ok(name !== '' && name === name.trim().toLowerCase(), JSON.stringify(name))
      if (names.includes('*')) assert.deepEqual(names, ['*'])
    }), fuzzRuns(PURE_RUNS))
  })

  test('a header value normalized: only SP and HTAB change (items trimmed, runs collapsed); normalizing again changes nothing', () => {
    const withWhitespace = fc.array(fc.oneof(hostileText, fc.constantFrom(' ', '\t', '  \t ', ', ', ' ,')), { maxLength: 6 }).map((pieces) => pieces.join(''))
    const withoutWhitespace = (text: string): string => text.replace(/[ \t]/g, '')
    fc.assert(fc.property(headerValue(withWhitespace), (value) => {
      const normalized = normalizeHeaderValue(value)
      if (value === undefined) return assert.equal(normalized, null)
      const text = Array.isArray(value) ? value.join(', ') : value
      assert.equal(withoutWhitespace(normalized!), withoutWhitespace(text))
      assert.doesNotMatch(normalized!, /[ \t]{2}|\t|(^|,) | ($|,)/)
      assert.equal(normalizeHeaderValue(normalized!), normalized)
    }), fuzzRuns(PURE_RUNS))
  })

  test('examples: hostile numbers in delta-seconds', () => {
    const maxAge = (value: string | string[]): number | undefined => deltaSeconds(parseCacheControl(value), 'max-age', undefined)
    for (const invalid of ['max-age=1e309', 'max-age=-1', 'max-age=NaN', 'max-age=Infinity', 'max-age=0x10', 'max-age=1.5', 'max-age=+5', 'max-age=', 'max-age', 'max-age=1e309, max-age=5']) {
      assert.equal(maxAge(invalid), undefined, invalid)
    }
    assert.equal(maxAge('MAX-AGE = 60 '), 60)
    assert.equal(maxAge('max-age="60"'), 60)
    assert.equal(maxAge(`max-age=${'9'.repeat(400)}`), MAX_DELTA)
    assert.equal(maxAge('max-age=5, max-age=1e309'), 5, 'the first occurrence wins')
    assert.equal(maxAge(['no-store', 'max-age=7']), 7, 'several lines are one list')
  })
})
