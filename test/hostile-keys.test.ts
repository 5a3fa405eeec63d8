/**
 * Hostile input to URL normalization and keys (key.ts): normalizing is idempotent, every spelling of one URL gives one
 * key, and no request (any method, headers, body, settings) makes keying throw or give anything but a SHA-256.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { KeyBuilder, type KeySettings } from '#lib/key.js'
import { toHeaderRecord, type HeaderRecord } from '#lib/headers.js'
import { fuzzRuns, PURE_RUNS } from './helpers/fuzz.js'
import { headerName, headerValue, hostileText } from './helpers/hostile.js'
import { anyUrl, urlModel, urlSpelling } from './helpers/urls.js'

/** Key settings of every kind: ignored parameters (some hostile), included headers (none, some, all). */
const anySettings: fc.Arbitrary<KeySettings> = fc.record({
  ignoredParams: fc.array(fc.oneof(fc.constantFrom('token', 'Authorization', 'x-api-key'), hostileText), { maxLength: 3 }),
  includeHeaders: fc.oneof(fc.boolean(), fc.array(fc.oneof(headerName, hostileText), { maxLength: 3 })),
  keyFn: fc.constant(undefined)
})

/** (Headers as undici's dispatch hands them over: records without a prototype, as every caller of the KeyBuilder has them.) */
function keyOf (keys: KeyBuilder, url: string, headers: HeaderRecord = toHeaderRecord(undefined), method = 'GET', body?: Buffer): string {
  return keys.keyOf({ method, url, headers, body }, new URL(url))
}

describe('URL normalization', () => {
  test('is idempotent, with ignored parameters removed or redacted', () => {
    fc.assert(fc.property(anyUrl, anySettings, (url, settings) => {
      const keys = new KeyBuilder(settings)
      for (const redact of [false, true]) {
        const normalized = keys.normalizeUrl(new URL(url), redact)
        assert.equal(keys.normalizeUrl(new URL(normalized), redact), normalized)
      }
    }), fuzzRuns(PURE_RUNS))
  })

  test('every spelling of one URL normalizes alike and has one key: case, default port, dot segments, query order, + for space, fragment', () => {
    const twoSpellings = urlModel.chain((model) => fc.tuple(urlSpelling(model), urlSpelling(model)))
    fc.assert(fc.property(twoSpellings, anySettings, ([one, other], settings) => {
      const keys = new KeyBuilder(settings)
      assert.equal(keys.normalizeUrl(new URL(one)), keys.normalizeUrl(new URL(other)))
      assert.equal(keys.normalizeUrl(new URL(one), true), keys.normalizeUrl(new URL(other), true))
      assert.equal(keyOf(keys, one), keyOf(keys, other))
    }), fuzzRuns(PURE_RUNS))
  })
})

describe('keys', () => {
  /** Request headers as undici hands them over: any names, values hostile, repeated headers as arrays. */
  const anyHeaders = fc.dictionary(fc.oneof(headerName, fc.constantFrom('authorization', 'cookie', 'accept', 'x-api-key')), headerValue(hostileText))
    .map(toHeaderRecord)

  test('never throw: any method, URL, headers, body and settings give a SHA-256 (hex), the same every time', () => {
    const body = fc.option(fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)), { nil: undefined })
    fc.assert(fc.property(anySettings, fc.oneof(fc.constantFrom('GET', 'HEAD', 'POST'), hostileText), anyUrl, anyHeaders, body, (settings, method, url, headers, bytes) => {
      const keys = new KeyBuilder(settings)
      const key = keyOf(keys, url, headers, method, bytes)
      assert.match(key, /^[0-9a-f]{64}$/)
      assert.equal(keyOf(new KeyBuilder(settings), url, headers, method, bytes), key, 'the same request, another KeyBuilder: the same key')
      for (const name of keys.includedHeaderNames(headers)) keys.varyValue(name, headers)
    }), fuzzRuns(PURE_RUNS))
  })
})
