/**
 * A hostile origin, end to end: an origin on 127.0.0.1 answering with random (valid to send) Cache-Control, Expires,
 * Date, Age, Vary, validators and an upstream Cache-Status never makes a request through the cache fail; every answer
 * (miss, hit, revalidated, stale or shared with a concurrent request) has the origin's status and exactly its body
 * bytes; and every stored entry has times a Date holds. On every backend that needs no server.
 */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import fc from 'fast-check'
import { parseCacheStatus, type CacheOptions } from 'undici-client-cache'
import { backendCases } from './helpers/backends.js'
import { viaFetch, viaRequest } from './helpers/clients.js'
import { fuzzRuns, HTTP_RUNS } from './helpers/fuzz.js'
import { cacheControlText, hostileText, httpDateText, numberText, sendable, varyText } from './helpers/hostile.js'
import type { Route } from './helpers/origin.js'
import { setup } from './helpers/setup.js'

/** What the origin answers for one path, every time: its status, its headers, its body. */
interface Answering {
  status: number
  headers: Record<string, string>
  body: Buffer
}

/** Header values as an HTTP message can carry them, from the hostile arbitraries. */
const wire = (text: fc.Arbitrary<string>): fc.Arbitrary<string> => text.map(sendable)

const answering: fc.Arbitrary<Answering> = fc.record({
  status: fc.constantFrom(200, 200, 200, 203, 404, 410, 500),
  headers: fc.record({
    'cache-control': wire(fc.oneof(cacheControlText, hostileText)),
    expires: wire(httpDateText),
    date: wire(httpDateText),
    age: wire(numberText),
    vary: wire(fc.oneof(varyText, hostileText)),
    etag: fc.constantFrom('"v1"', 'W/"v1"'),
    'last-modified': wire(httpDateText),
    'cache-status': wire(fc.oneof(fc.constantFrom('undici-client-cache; hit; ttl=99', 'undici-client-cache; hit, x="', 'CDN; hit'), hostileText))
  }, { requiredKeys: [] }),
  body: fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes))
})

/** A request to the path: GET (sometimes HEAD), through undici's request or fetch, with headers a response may vary on. */
const asking = fc.record({
  method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD'),
  consumer: fc.constantFrom(viaRequest, viaFetch),
  headers: fc.record({
    accept: fc.constantFrom('text/html', 'application/json', 'TEXT/HTML'),
    'accept-encoding': fc.constantFrom('gzip', 'br, gzip', 'identity'),
    'x-tenant': fc.constantFrom('a', 'b'),
    // (Not only-if-cached: a miss is then a 504 by design, not the origin's answer.)
    'cache-control': wire(fc.oneof(fc.constantFrom('no-cache', 'max-age=0', 'max-stale', 'max-stale=5', 'min-fresh=10', 'no-store', 'max-age=1e309'), hostileText))
      .filter((text) => !/only-if-cached/i.test(text))
  }, { requiredKeys: [] })
})

/** Answers each path as `answers` says; a request whose If-None-Match is the path's ETag gets a 304. */
function answeringFrom (answers: Map<string, Answering>): Route {
  return (req, res) => {
    const answer = answers.get(req.url ?? '')
    if (answer === undefined) throw new Error(`no answer for ${String(req.url)}`)
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value)
    if (answer.headers.etag !== undefined && req.headers['if-none-match'] === answer.headers.etag) {
      res.statusCode = 304
      res.end()
      return
    }
    res.statusCode = answer.status
    res.end(answer.body)
  }
}

const isDate = (date: Date | null): boolean => date === null || Number.isFinite(date.getTime())

describe('a hostile origin: random caching headers never fail a request or change a body', () => {
  const settings: Array<[string, CacheOptions]> = [['stale-if-error', { staleIfError: true }], ['stale-while-revalidate', { staleWhileRevalidate: true }]]
  for (const [backend, [serving, options]] of backendCases.flatMap((backend) => settings.map((setting) => [backend, setting] as const))) {
    test(`${backend.name}, ${serving}: every answer has the origin's status and body, every entry valid times`, async (t) => {
      const answers = new Map<string, Answering>()
      const { origin, dispatcher, cache } = await setup(t, { ...options, cache: backend.make(), allowedCodes: [200, 203, 404] }, answeringFrom(answers))
      let run = 0
      await fc.assert(fc.asyncProperty(answering, fc.array(asking, { minLength: 2, maxLength: 4 }), fc.boolean(), async (answer, requests, together) => {
        const path = `/o${++run}`
        answers.set(path, answer)
        const ask = async ({ method, consumer, headers }: typeof requests[number]): Promise<void> => {
          const got = await consumer.send(origin.url + path, { dispatcher, method, headers })
          assert.equal(got.status, answer.status, `${method} ${JSON.stringify(headers)}`)
          assert.ok(got.body.equals(method === 'HEAD' ? Buffer.alloc(0) : answer.body), `${method} ${JSON.stringify(headers)}: the origin's body, byte for byte`)
          const status = parseCacheStatus(got.header('cache-status'))
          assert.ok(status?.ttl === undefined || Number.isSafeInteger(status.ttl))
          if (status?.hit === true) assert.match(got.header('age') ?? '', /^\d+$/)
        }
        // One after the other, or all at once (identical misses then share one origin request).
        if (together) await Promise.all(requests.map(ask))
        else for (const request of requests) await ask(request)
        await cache.flush()
        for await (const entry of cache.entries({ urls: [origin.url + path] })) {
          assert.ok(isDate(entry.createdAt) && isDate(entry.expiresAt), `${entry.url}: ${String(entry.createdAt)}, ${String(entry.expiresAt)}`)
        }
      }), fuzzRuns(HTTP_RUNS))
    })
  }
})
