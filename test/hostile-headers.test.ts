/**
 * Hostile input to the header parsers (cache-control.ts, lists.ts): random and malformed Cache-Control, Pragma,
 * Expires, Date, Age and Vary values never make a parser throw, and every number they yield is one the policy can use.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { splitOutsideQuotes } from '#lib/lists.js'
import { parseCacheControl } from '#lib/cache-control.js'
import { parseCacheStatus } from 'undici-client-cache'
import { fuzzRuns, PURE_RUNS } from './helpers/fuzz.js'
import { hostileText, nastyPiece } from './helpers/hostile.js'

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
