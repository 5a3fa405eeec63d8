/** Response directives that change how an entry is reused (immutable, no-cache, no-cache="field"), and HEAD from a GET. */
import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import { parseCacheStatus, type CacheStatus } from 'undici-client-cache'
import type { Dispatcher } from 'undici'
import { viaFetch, viaRequest, type Answer } from './helpers/clients.js'
import type { Route } from './helpers/origin.js'
import { setup, type World } from './helpers/setup.js'
import { fetch } from './helpers/undici.js'

/** Answers `v1`, `v2`, … with these headers; a request whose If-None-Match is their ETag gets a 304 with them. */
function answering (headers: Record<string, string>): Route {
  let version = 0
  return (req, res) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    if (headers.etag !== undefined && req.headers['if-none-match'] === headers.etag) {
      res.statusCode = 304
      res.end()
    } else {
      res.end(`v${++version}`)
    }
  }
}

/** A world with `v1` of `/d`, answered with these headers, stored; `first` is that first answer. */
async function storedWith (t: TestContext, headers: Record<string, string>): Promise<World & { url: string, first: Answer }> {
  const world = await setup(t, {}, answering(headers))
  const url = `${world.origin.url}/d`
  const first = await viaRequest.send(url, { dispatcher: world.dispatcher })
  assert.equal(first.cacheStatus?.stored, true)
  return { ...world, url, first }
}

describe('immutable', () => {
  /** The ways a caller asks for a revalidation. */
  const asking: Array<[string, (url: string, dispatcher: Dispatcher) => Promise<{ text: string, cacheStatus: CacheStatus | undefined }>]> = [
    ['Cache-Control: no-cache', (url, dispatcher) => viaRequest.send(url, { dispatcher, headers: { 'cache-control': 'no-cache' } })],
    ['Cache-Control: max-age=0', (url, dispatcher) => viaRequest.send(url, { dispatcher, headers: { 'cache-control': 'max-age=0' } })],
    ["fetch's cache: 'no-cache'", async (url, dispatcher) => {
      const res = await fetch(url, { dispatcher, cache: 'no-cache' } as Parameters<typeof fetch>[1])
      return { text: await res.text(), cacheStatus: parseCacheStatus(res.headers as unknown as Headers) }
    }]
  ]
  for (const [name, send] of asking) {
    test(`${name}: still a hit while an immutable response is fresh`, async (t) => {
      const { origin, dispatcher, url } = await storedWith(t, { 'cache-control': 'max-age=3600, immutable' })
      const answer = await send(url, dispatcher)
      assert.equal(answer.text, 'v1')
      assert.equal(answer.cacheStatus?.hit, true)
      assert.equal(origin.count(), 1)
    })

    test(`${name}: goes to the origin without immutable`, async (t) => {
      const { origin, dispatcher, url } = await storedWith(t, { 'cache-control': 'max-age=3600' })
      const answer = await send(url, dispatcher)
      assert.equal(answer.text, 'v2')
      assert.equal(answer.cacheStatus?.fwd, 'request')
      assert.equal(origin.count(), 2)
    })
  }

  test('the refresh option still goes to the origin', async (t) => {
    const { origin, dispatcher, url } = await storedWith(t, { 'cache-control': 'max-age=3600, immutable' })
    const answer = await viaRequest.send(url, { dispatcher, cache: { refresh: true } })
    assert.equal(answer.text, 'v2')
    assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'request', stored: true, ttl: 3600 })
    assert.equal(origin.count(), 2)
  })
})

describe('no-cache', () => {
  test('no-cache="x-secret, X-Token": stored and reused while fresh, without those headers', async (t) => {
    const { origin, dispatcher, url, first } = await storedWith(t, {
      'cache-control': 'max-age=60, no-cache="x-secret, X-Token"', 'x-secret': 's', 'x-token': 't', 'x-public': 'p'
    })
    assert.equal(first.header('x-secret'), 's', 'the origin\'s own response is passed on whole')
    const hit = await viaRequest.send(url, { dispatcher })
    assert.equal(hit.text, 'v1')
    assert.equal(hit.cacheStatus?.hit, true)
    assert.equal(hit.header('x-secret'), null)
    assert.equal(hit.header('x-token'), null)
    assert.equal(hit.header('x-public'), 'p')
    assert.equal(origin.count(), 1, 'no revalidation')
  })

  test('unqualified no-cache: every use is revalidated with the ETag', async (t) => {
    const { origin, dispatcher, url } = await storedWith(t, { 'cache-control': 'max-age=60, no-cache', etag: '"e1"' })
    for (const use of [1, 2]) {
      const answer = await viaRequest.send(url, { dispatcher })
      assert.equal(answer.text, 'v1')
      assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'stale', fwdStatus: 304, stored: true, ttl: 0 })
      assert.equal(origin.requests[use]?.headers['if-none-match'], '"e1"')
    }
    assert.equal(origin.count(), 3)
  })
})

describe('HEAD', () => {
  for (const consumer of [viaRequest, viaFetch]) {
    test(`${consumer.name}: a HEAD is answered from a fresh stored GET, and the origin sees no HEAD`, async (t) => {
      const { origin, dispatcher } = await setup(t)
      const get = await consumer.send(`${origin.url}/h`, { dispatcher })
      const head = await consumer.send(`${origin.url}/h`, { dispatcher, method: 'HEAD' })
      assert.equal(head.status, 200)
      assert.equal(head.body.length, 0)
      assert.equal(head.header('content-length'), String(get.body.length))
      assert.equal(head.header('content-type'), get.header('content-type'))
      assert.equal(head.cacheStatus?.hit, true)
      assert.deepEqual(origin.requests.map((seen) => seen.method), ['GET'])
    })
  }

  test('a GET is never answered from a stored HEAD', async (t) => {
    const { origin, dispatcher } = await setup(t)
    const head = await viaRequest.send(`${origin.url}/h`, { dispatcher, method: 'HEAD' })
    assert.equal(head.cacheStatus?.stored, true)
    const get = await viaRequest.send(`${origin.url}/h`, { dispatcher })
    assert.equal(get.text, 'hello GET /h')
    assert.equal(get.cacheStatus?.hit, false)
    assert.deepEqual(origin.requests.map((seen) => seen.method), ['HEAD', 'GET'])
  })
})
