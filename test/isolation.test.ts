/**
 * Isolation: requests that differ in what the key or a response's Vary covers (an `includeHeaders` header, a header
 * Vary names, the caller's credentials, a query parameter `ignoredParams` does not name) never share an entry; and no
 * crafted value can make two different requests encode (and so hash) alike.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test, type TestContext } from 'node:test'
import fc from 'fast-check'
import type { CacheOptions } from 'undici-client-cache'
import { toHeaderRecord } from '#lib/headers.js'
import { KeyBuilder, keyEncoding, type KeyParts } from '#lib/key.js'
import { variantEncoding, variantKey } from '#lib/variants.js'
import { backendCases, type BackendCase } from './helpers/backends.js'
import { viaRequest, type Answer } from './helpers/clients.js'
import { fuzzRuns, HTTP_RUNS, PURE_RUNS } from './helpers/fuzz.js'
import { hostileText } from './helpers/hostile.js'
import type { Route } from './helpers/origin.js'
import { setup, type World } from './helpers/setup.js'
import { encodeComponent, querySpelling, urlModel } from './helpers/urls.js'

/** A request as a test describes it. */
interface Sent {
  method?: string
  /** Path and query. */
  path: string
  headers?: Record<string, string>
  body?: string
}

/** A header's bytes as the origin got them (hex), or null when the request did not carry it. */
const hex = (value: unknown): string | null => value === undefined ? null : Buffer.from(String(value), 'latin1').toString('hex')

/**
 * Answers, fresh for a minute (with `Vary: <vary>` when given), with what identifies the request as the origin got it:
 * method, path, body and the named headers (their bytes in hex, null when absent). So an answer shows which request it
 * was made for.
 */
function showing (names: string[], vary?: string): Route {
  return (req, res, seen) => {
    res.setHeader('cache-control', 'max-age=60')
    if (vary !== undefined) res.setHeader('vary', vary)
    res.end(JSON.stringify([seen.method, seen.url, seen.body.toString('hex'), ...names.map((name) => hex(req.headers[name]))]))
  }
}

interface Showing extends World {
  send (request: Sent): Promise<Answer>
}

async function showingWorld (t: TestContext, backend: BackendCase, options: CacheOptions, names: string[], vary?: string): Promise<Showing> {
  const world = await setup(t, { allowedMethods: ['GET', 'HEAD', 'POST'], ...options, cache: backend.make() }, showing(names, vary))
  return {
    ...world,
    send: async ({ method, path, headers, body }) => viaRequest.send(world.origin.url + path, { dispatcher: world.dispatcher, method, headers, body })
  }
}

/** `one` and `other`, sent twice each, reach the origin once each, and each gets its own answer. */
async function assertApart (world: Showing, one: Sent, other: Sent, what: string): Promise<void> {
  const before = world.origin.count()
  const first = [await world.send(one), await world.send(other)]
  assert.notEqual(first[0]!.text, first[1]!.text, `${what}: the origin told them apart`)
  const again = [await world.send(one), await world.send(other)]
  assert.deepEqual(again.map((answer) => answer.text), first.map((answer) => answer.text), `${what}: each is answered with its own response`)
  assert.deepEqual(again.map((answer) => answer.cacheStatus?.hit), [true, true], `${what}: then each is a hit`)
  assert.equal(world.origin.count() - before, 2, `${what}: two entries`)
}

/** Pairs of requests that must never share an entry, and the settings (and Vary) under which they are sent. */
const apart: Array<{ what: string, options: CacheOptions, names: string[], vary?: string, one: Sent, other: Sent }> = [
  { what: 'includeHeaders: another value', options: { includeHeaders: ['X-Tenant'] }, names: ['x-tenant'], one: { path: '/i', headers: { 'x-tenant': 'acme' } }, other: { path: '/i', headers: { 'x-tenant': 'other' } } },
  { what: 'includeHeaders: the header, or none', options: { includeHeaders: ['X-Tenant'] }, names: ['x-tenant'], one: { path: '/i', headers: { 'x-tenant': '' } }, other: { path: '/i' } },
  { what: 'includeHeaders: a no-break space is not whitespace', options: { includeHeaders: ['X-Name'] }, names: ['x-name'], one: { path: '/i', headers: { 'x-name': 'a\u00a0b' } }, other: { path: '/i', headers: { 'x-name': 'a b' } } },
  { what: 'Vary: values that differ in case', options: {}, names: ['x-tenant'], vary: 'X-Tenant', one: { path: '/v', headers: { 'x-tenant': 'acme' } }, other: { path: '/v', headers: { 'x-tenant': 'ACME' } } },
  { what: 'Vary: a no-break space is not whitespace', options: {}, names: ['x-name'], vary: 'X-Name', one: { path: '/v', headers: { 'x-name': 'a\u00a0b' } }, other: { path: '/v', headers: { 'x-name': 'a b' } } },
  { what: 'Vary: content codings', options: {}, names: ['accept-encoding'], vary: 'Accept-Encoding', one: { path: '/v', headers: { 'accept-encoding': 'gzip' } }, other: { path: '/v', headers: { 'accept-encoding': 'gzip, br' } } },
  { what: 'Authorization: two users', options: { cacheAuthorized: true }, names: ['authorization'], one: { path: '/me', headers: { authorization: 'Bearer alice' } }, other: { path: '/me', headers: { authorization: 'Bearer bob' } } },
  { what: 'Authorization: a user, or nobody', options: { cacheAuthorized: true }, names: ['authorization'], one: { path: '/me', headers: { authorization: 'Bearer alice' } }, other: { path: '/me' } },
  { what: 'Authorization: the case of a token', options: { cacheAuthorized: true }, names: ['authorization'], one: { path: '/me', headers: { authorization: 'Bearer abc' } }, other: { path: '/me', headers: { authorization: 'Bearer ABC' } } },
  { what: 'Cookie: two sessions', options: {}, names: ['cookie'], one: { path: '/me', headers: { cookie: 'session=alice' } }, other: { path: '/me', headers: { cookie: 'session=bob' } } },
  { what: 'Cookie: a session, or none', options: {}, names: ['cookie'], one: { path: '/me', headers: { cookie: 'session=alice' } }, other: { path: '/me' } },
  { what: 'ignoredParams: another parameter differs', options: { ignoredParams: ['token'] }, names: [], one: { path: '/p?q=1&token=a' }, other: { path: '/p?q=2&token=a' } },
  { what: 'ignoredParams: a parameter repeated', options: { ignoredParams: ['token'] }, names: [], one: { path: '/p?q=1&token=a' }, other: { path: '/p?q=1&q=1&token=b' } },
  { what: 'ignoredParams: names are case-sensitive', options: { ignoredParams: ['token'] }, names: [], one: { path: '/p?Token=a' }, other: { path: '/p?Token=b' } }
]

for (const backend of backendCases) {
  describe(`${backend.name}: requests that differ where the key looks never share an entry, by example`, () => {
    for (const { what, options, names, vary, one, other } of apart) {
      test(what, async (t) => {
        await assertApart(await showingWorld(t, backend, options, names, vary), one, other, what)
      })
    }
  })
}

/** The items of a header value (a list), drawn from few enough that two draws are often alike. */
const items = fc.array(fc.constantFrom('a', 'b', 'B', 'c d', 'gzip', 'x=1'), { minLength: 1, maxLength: 3 })

/** A list a little different from `list`: an item in the other case, the order reversed, an item more or less. */
function nearby (list: string[]): fc.Arbitrary<string[]> {
  return fc.constantFrom(
    list.map((text) => text === 'b' ? 'B' : text === 'B' ? 'b' : text),
    [...list].reverse(),
    [...list, list[0]!],
    list.slice(1)
  )
}

/** Two values, each absent or a list of items: the same items, nearly the same, or any two. */
const twoValues = fc.option(items, { freq: 5 }).chain((one) => fc.tuple(
  fc.constant(one),
  one === null ? fc.option(items, { freq: 5 }) : fc.oneof(fc.constant(one), nearby(one), fc.option(items, { freq: 5 }))
))

/**
 * One way of writing `list` that the documented normalization reads as the same: HTTP whitespace (SP, HTAB) around
 * items, runs of it inside them; for the content-negotiation headers under Vary, also any case and any order.
 */
function spelling (list: string[], negotiation: boolean): fc.Arbitrary<string> {
  const space = fc.constantFrom('', ' ', '\t', ' \t ')
  const item = (text: string): fc.Arbitrary<string> => fc.tuple(space, negotiation ? fc.mixedCase(fc.constant(text)) : fc.constant(text), fc.constantFrom(' ', '  ', '\t', ' \t'), space)
    .map(([before, written, inner, after]) => before + written.replace(/ /g, inner) + after)
  const ordered = negotiation ? fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }) : fc.constant(list)
  return ordered.chain((order) => order.length === 0 ? fc.constant('') : fc.tuple(...order.map(item) as [fc.Arbitrary<string>]).map((written) => written.join(',')))
}

/** What the documented normalization compares: the items; for content negotiation under Vary, lower-cased and in any order. */
function compared (list: readonly string[] | null, negotiation: boolean): string | null {
  if (list === null) return null
  return negotiation ? list.map((text) => text.toLowerCase()).sort().join(',') : list.join(',')
}

const headerKinds: Array<{ what: string, options: CacheOptions, name: string, vary?: string, negotiation: boolean }> = [
  { what: 'an includeHeaders header', options: { includeHeaders: ['X-Tenant'] }, name: 'x-tenant', negotiation: false },
  { what: 'an includeHeaders header of content negotiation (compared as it is written)', options: { includeHeaders: ['Accept-Encoding'] }, name: 'accept-encoding', negotiation: false },
  { what: 'a header the response varies on', options: {}, name: 'x-tenant', vary: 'X-Tenant', negotiation: false },
  { what: 'a content-negotiation header the response varies on', options: {}, name: 'accept-encoding', vary: 'Accept-Encoding', negotiation: true },
  { what: 'Authorization, with cacheAuthorized', options: { cacheAuthorized: true }, name: 'authorization', negotiation: false },
  { what: 'Cookie', options: {}, name: 'cookie', negotiation: false }
]

/** Two header values (each absent or a list), written in any of the ways normalization reads as them. */
function twoWritten (negotiation: boolean): fc.Arbitrary<[readonly [string[] | null, string[] | null], string | null, string | null]> {
  const written = (list: string[] | null): fc.Arbitrary<string | null> => list === null ? fc.constant(null) : spelling(list, negotiation)
  return twoValues.chain(([one, other]) => fc.tuple(fc.constant([one, other] as const), written(one), written(other)))
}

/** The answer the origin gives a GET of `path` with this value of the header (which it gets trimmed, as HTTP has it). */
function ownAnswer (path: string, value: string | null): string {
  return JSON.stringify(['GET', path, '', value === null ? null : hex(value.replace(/^[ \t]+|[ \t]+$/g, ''))])
}

for (const backend of backendCases) {
  describe(`${backend.name}: two requests share an entry only when equal after the documented normalization, as a property`, () => {
    for (const { what, options, name, vary, negotiation } of headerKinds) {
      const headers = (value: string | null): Record<string, string> => value === null ? {} : { [name]: value }

      test(what, async (t) => {
        const world = await showingWorld(t, backend, options, [name], vary)
        let run = 0
        await fc.assert(fc.asyncProperty(twoWritten(negotiation), async ([[one, other], oneWritten, otherWritten]) => {
          const path = `/r${++run}`
          const first = await world.send({ path, headers: headers(oneWritten) })
          const second = await world.send({ path, headers: headers(otherWritten) })
          const shared = compared(one, negotiation) === compared(other, negotiation)
          assert.equal(second.cacheStatus?.hit, shared, `${JSON.stringify(oneWritten)} then ${JSON.stringify(otherWritten)}`)
          assert.equal(second.text, shared ? first.text : ownAnswer(path, otherWritten))
        }), fuzzRuns(HTTP_RUNS))
      })

      test(`${what}, the two sent at the same time: each gets its own answer, or (when equal) the other's`, async (t) => {
        const world = await showingWorld(t, backend, options, [name], vary)
        let run = 0
        await fc.assert(fc.asyncProperty(twoWritten(negotiation), async ([[one, other], ...written]) => {
          const path = `/c${++run}`
          const answers = await Promise.all(written.map(async (value) => world.send({ path, headers: headers(value) })))
          const shared = compared(one, negotiation) === compared(other, negotiation)
          for (const [i, answer] of answers.entries()) {
            const [own, others] = [ownAnswer(path, written[i]!), ownAnswer(path, written[1 - i]!)]
            assert.ok(answer.text === own || (shared && answer.text === others), `${JSON.stringify(written)}: ${answer.text}`)
          }
        }), fuzzRuns(HTTP_RUNS))
      })
    }
  })
}

/** The multiset of a query's pairs that are not ignored, as one comparable text. */
function keptPairs (pairs: Array<[string, string]>, ignored: string[]): string {
  return JSON.stringify(pairs.filter(([name]) => !ignored.includes(name)).sort())
}

/** Two URLs on one path whose queries are drawn from few names and values, ignored ones among them; often alike. */
const IGNORED = ['token', 'api_key']
const pairName = fc.constantFrom('q', 'Token', ...IGNORED)
const pairValue = fc.constantFrom('', '1', '2', 'a b')
const twoQueries = fc.tuple(fc.array(fc.tuple(pairName, pairValue), { maxLength: 4 }), fc.array(fc.tuple(pairName, pairValue), { maxLength: 4 }))
  .chain(([one, other]) => fc.tuple(fc.constant([one, other] as const), querySpelling(one), querySpelling(other)))

describe('ignoredParams never merges requests that differ in a parameter it does not name, as a property', () => {
  test('keys: equal exactly when the parameters it does not name are equal (as a multiset)', () => {
    const keys = new KeyBuilder({ ignoredParams: IGNORED, includeHeaders: false, keyFn: undefined })
    const keyOf = (url: string): string => keys.keyOf({ method: 'GET', url, headers: toHeaderRecord(undefined), body: undefined }, new URL(url))
    fc.assert(fc.property(urlModel, twoQueries, (model, [[one, other], oneQuery, otherQuery]) => {
      const base = `${model.scheme}://${model.host}/${model.segments.map(encodeComponent).join('/')}`
      assert.equal(keyOf(base + oneQuery) === keyOf(base + otherQuery), keptPairs([...one], IGNORED) === keptPairs([...other], IGNORED))
    }), fuzzRuns(PURE_RUNS))
  })

  for (const backend of backendCases) {
    test(`${backend.name}: the second request is a hit exactly when the parameters it does not name are equal`, async (t) => {
      const world = await showingWorld(t, backend, { ignoredParams: IGNORED }, [])
      let run = 0
      await fc.assert(fc.asyncProperty(twoQueries, async ([[one, other], oneQuery, otherQuery]) => {
        const path = `/q${++run}`
        const first = await world.send({ path: path + oneQuery })
        const second = await world.send({ path: path + otherQuery })
        const shared = keptPairs([...one], IGNORED) === keptPairs([...other], IGNORED)
        assert.equal(second.cacheStatus?.hit, shared, `${oneQuery} then ${otherQuery}`)
        if (shared) assert.equal(second.text, first.text)
      }), fuzzRuns(HTTP_RUNS))
    })
  }
})

/**
 * Reads an encoding back into its parts: the JSON array is the shortest prefix that parses (a JSON array ends where it
 * closes), and it says how many body bytes follow. A left inverse: two encodings alike would give back the same parts.
 */
function decodeKey (bytes: Buffer): KeyParts {
  for (let end = bytes.indexOf(0x5d); end !== -1; end = bytes.indexOf(0x5d, end + 1)) {
    let head: unknown
    try {
      head = JSON.parse(bytes.toString('utf8', 0, end + 1))
    } catch {
      continue
    }
    const [method, url, headers, length] = head as [string, string, Array<[string, string | null]>, number]
    const body = bytes.subarray(end + 1)
    assert.equal(body.length, Math.max(length, 0), 'the body length it says')
    return { method, url, headers, body: length === -1 ? undefined : Buffer.from(body) }
  }
  throw new Error('not a key encoding')
}

const encoded = (parts: KeyParts): Buffer => Buffer.concat(keyEncoding(parts))

/** Keys of requests with `x-a` and `x-b` in the key (POST bodies too), through the encoding and the hash. */
const crafting = new KeyBuilder({ ignoredParams: [], includeHeaders: ['x-a', 'x-b'], keyFn: undefined })
function partsOf (request: Sent & { url?: string }): KeyParts {
  const url = request.url ?? `http://x.test${request.path}`
  return crafting.keyParts({ method: request.method ?? 'GET', url, headers: toHeaderRecord(request.headers), body: request.body === undefined ? undefined : Buffer.from(request.body, 'latin1') }, new URL(url))
}

/**
 * Pairs of different requests crafted to encode alike under a naive encoding (a separator, a quote, a bracket, a
 * length, a boundary moved): values holding the encoding's own characters, a path holding what looks like a header, a
 * body mimicking the encoding. Those that can be sent are also sent through the cache.
 */
const crafted: Array<{ what: string, one: Sent & { url?: string }, other: Sent & { url?: string }, sendable: boolean }> = [
  { what: 'a header value holding the quote, comma and brackets of the encoding', one: { path: '/a', headers: { 'x-a': '1"],["x-b","2' } }, other: { path: '/a', headers: { 'x-a': '1', 'x-b': '2' } }, sendable: true },
  { what: 'a header value holding an escaped quote', one: { path: '/a', headers: { 'x-a': '\\"' } }, other: { path: '/a', headers: { 'x-a': '"' } }, sendable: true },
  { what: 'a header absent, or the text null', one: { path: '/a' }, other: { path: '/a', headers: { 'x-a': 'null' } }, sendable: true },
  { what: 'a header empty, or absent', one: { path: '/a', headers: { 'x-a': '' } }, other: { path: '/a' }, sendable: true },
  { what: 'a header value holding the next header\'s name', one: { path: '/a', headers: { 'x-a': 'x-b', 'x-b': '' } }, other: { path: '/a', headers: { 'x-a': '', 'x-b': 'x-b' } }, sendable: true },
  { what: 'a query parameter, or a header of the same text', one: { path: '/a?x-a=1' }, other: { path: '/a', headers: { 'x-a': '1' } }, sendable: true },
  { what: 'a path holding what looks like a header', one: { path: '/a%22,[[%22x-a%22,%221%22]]' }, other: { path: '/a', headers: { 'x-a': '1' } }, sendable: true },
  { what: 'a body mimicking the encoding of a header', one: { method: 'POST', path: '/a', body: '[["x-a","1"]],0]' }, other: { method: 'POST', path: '/a', headers: { 'x-a': '1' } }, sendable: true },
  { what: 'a boundary moved between path and body', one: { method: 'POST', path: '/ab', body: 'c' }, other: { method: 'POST', path: '/a', body: 'bc' }, sendable: true },
  { what: 'a boundary moved between header and body', one: { method: 'POST', path: '/a', headers: { 'x-a': '1' }, body: '2' }, other: { method: 'POST', path: '/a', headers: { 'x-a': '12' } }, sendable: true },
  { what: 'a body one byte longer', one: { method: 'POST', path: '/a', body: 'ab' }, other: { method: 'POST', path: '/a', body: 'a' }, sendable: true },
  { what: 'a latin1 value, or its UTF-8 bytes read as latin1', one: { path: '/a', headers: { 'x-a': 'é' } }, other: { path: '/a', headers: { 'x-a': 'Ã©' } }, sendable: true },
  { what: 'a secret\'s digest, or a secret that is that digest\'s text', one: { path: '/a', headers: { cookie: 'a' } }, other: { path: '/a', headers: { cookie: `sha256:${createHash('sha256').update('a').digest('hex')}` } }, sendable: true },
  { what: 'a method holding the URL\'s beginning', one: { method: 'GET","http://x.test/a', path: '/a' }, other: { method: 'GET', path: '/a' }, sendable: false },
  { what: 'a body empty, or none (the interceptor keys an empty body as none)', one: { method: 'POST', path: '/a', body: '' }, other: { method: 'POST', path: '/a' }, sendable: false }
]

describe('key collisions: no crafted request encodes like another', () => {
  test('the encoding reads back into its parts, for any method, URL text, headers and body: no two parts encode alike', () => {
    const parts: fc.Arbitrary<KeyParts> = fc.record({
      method: hostileText,
      url: hostileText,
      headers: fc.array(fc.tuple(hostileText, fc.option(hostileText))),
      body: fc.option(fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)), { nil: undefined })
    }, { noNullPrototype: true })
    fc.assert(fc.property(parts, (given) => {
      assert.deepEqual(decodeKey(encoded(given)), given)
    }), fuzzRuns(PURE_RUNS))
  })

  test('a key is the SHA-256 of that encoding', () => {
    for (const { one } of crafted) {
      const url = one.url ?? `http://x.test${one.path}`
      const key = crafting.keyOf({ method: one.method ?? 'GET', url, headers: toHeaderRecord(one.headers), body: one.body === undefined ? undefined : Buffer.from(one.body, 'latin1') }, new URL(url))
      assert.equal(key, createHash('sha256').update(encoded(partsOf(one))).digest('hex'))
    }
  })

  for (const { what, one, other } of crafted) {
    test(`on the encoding: ${what}`, () => {
      const [oneParts, otherParts] = [partsOf(one), partsOf(other)]
      assert.notDeepEqual(oneParts, otherParts)
      assert.notDeepEqual(encoded(oneParts), encoded(otherParts))
    })
  }

  for (const backend of backendCases) {
    test(`${backend.name}: sent through the cache, each crafted pair makes two origin requests and gets two answers`, async (t) => {
      const world = await showingWorld(t, backend, { includeHeaders: ['x-a', 'x-b'] }, ['x-a', 'x-b', 'cookie'])
      // (Each pair under a path of its own, so that no pair finds what another stored.)
      for (const [i, { what, one, other }] of crafted.filter((pair) => pair.sendable).entries()) {
        await assertApart(world, { ...one, path: `/${i}${one.path}` }, { ...other, path: `/${i}${other.path}` }, what)
      }
    })
  }

  test('the variant key: its encoding reads back into its parts, whatever the header values', () => {
    const values = fc.array(fc.option(hostileText, { nil: null }), { maxLength: 4 })
    fc.assert(fc.property(hostileText, hostileText, values, (key, generation, given) => {
      assert.deepEqual(JSON.parse(variantEncoding(key, generation, given)), [key, generation, given])
    }), fuzzRuns(PURE_RUNS))
    const keys = new KeyBuilder({ ignoredParams: [], includeHeaders: false, keyFn: undefined })
    const index = { vary: ['x-a', 'x-b'], generation: 'g' }
    const variant = (headers: Record<string, string>): string => variantKey('k', index, keys, toHeaderRecord(headers))
    assert.notEqual(variant({ 'x-a': '1","2' }), variant({ 'x-a': '1', 'x-b': '2' }))
    assert.notEqual(variant({}), variant({ 'x-a': 'null' }))
    assert.notEqual(variant({ 'x-b': '1' }), variant({ 'x-a': '1' }))
  })

  for (const backend of backendCases) {
    test(`${backend.name}: the variant key, sent through the cache: crafted values of Vary headers are two variants`, async (t) => {
      const world = await showingWorld(t, backend, {}, ['x-a', 'x-b'], 'X-A, X-B')
      await assertApart(world, { path: '/v', headers: { 'x-a': '1","2' } }, { path: '/v', headers: { 'x-a': '1', 'x-b': '2' } }, 'quote and comma')
      await assertApart(world, { path: '/w' }, { path: '/w', headers: { 'x-a': 'null' } }, 'absent, or null')
      await assertApart(world, { path: '/x', headers: { 'x-b': '1' } }, { path: '/x', headers: { 'x-a': '1' } }, 'the value under the other name')
    })
  }
})
