/** Conditional revalidation: a stored entry with ETag / Last-Modified is revalidated, and a 304 or a 200 updates it. */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test, type TestContext } from 'node:test'
import { EXPIRE_IMMEDIATELY, type CacheOptions, type CacheStatus } from 'undici-client-cache'
import { viaFetch, viaRequest, type SendInit } from './helpers/clients.js'
import type { Route } from './helpers/origin.js'
import { setup, type World } from './helpers/setup.js'

const LAST_MODIFIED = 'Wed, 01 Jan 2025 00:00:00 GMT'
const BODY = 'version one'

/** The one resource an origin serves; a test edits it between requests. */
interface Resource {
  body: string
  headers: Record<string, string>
}

/**
 * Serves `resource` with its current headers. A request whose If-None-Match (or, without one, If-Modified-Since)
 * still matches gets a 304 instead, with a `Content-Length: 0` that must not replace the stored one.
 */
function serving (resource: Resource): Route {
  return (req, res) => {
    for (const [name, value] of Object.entries(resource.headers)) res.setHeader(name, value)
    const { 'if-none-match': etag, 'if-modified-since': since } = req.headers
    const unchanged = etag !== undefined ? etag === resource.headers.etag : since !== undefined && since === resource.headers['last-modified']
    if (unchanged) {
      res.statusCode = 304
      res.setHeader('content-length', '0')
      res.end()
    } else {
      res.end(resource.body)
    }
  }
}

/** A world whose origin serves `/doc`: BODY with `x-version: 1` and the given headers (validators included). */
async function withResource (t: TestContext, options: CacheOptions, headers: Record<string, string>): Promise<World & { resource: Resource, url: string }> {
  const resource: Resource = { body: BODY, headers: { 'x-version': '1', ...headers } }
  const world = await setup(t, options, serving(resource))
  return { ...world, resource, url: `${world.origin.url}/doc` }
}

const validators = { etag: '"v1"', 'last-modified': LAST_MODIFIED }

for (const consumer of [viaRequest, viaFetch]) {
  test(`${consumer.name}: an expired entry is revalidated; the 304 gives the stored body with its headers and a new lifetime`, async (t) => {
    const { origin, dispatcher, resource, url } = await withResource(t, {}, { ...validators, 'cache-control': 'max-age=1' })
    assert.equal((await consumer.send(url, { dispatcher })).cacheStatus?.stored, true)
    await sleep(1100)
    resource.headers['cache-control'] = 'max-age=60'
    resource.headers['x-version'] = '2'
    const revalidated = await consumer.send(url, { dispatcher })
    assert.equal(origin.count(), 2)
    assert.equal(origin.requests[1]?.headers['if-none-match'], '"v1"')
    assert.equal(origin.requests[1]?.headers['if-modified-since'], LAST_MODIFIED)
    assert.equal(revalidated.status, 200)
    assert.equal(revalidated.text, BODY)
    assert.equal(revalidated.header('x-version'), '2')
    assert.equal(revalidated.header('content-length'), String(BODY.length), 'the 304\'s Content-Length: 0 is not taken')
    assert.deepEqual(revalidated.cacheStatus, { hit: false, fwd: 'stale', fwdStatus: 304, stored: true, ttl: 60 })
    // Re-stored: fresh again for 60 s, with the 304's headers.
    const hit = await consumer.send(url, { dispatcher })
    assert.equal(hit.cacheStatus?.hit, true)
    assert.equal(hit.text, BODY)
    assert.equal(hit.header('x-version'), '2')
    assert.equal(origin.count(), 2)
  })

  test(`${consumer.name}: a revalidation answered 200 gives the new body and replaces the entry`, async (t) => {
    const { origin, dispatcher, resource, url } = await withResource(t, {}, { ...validators, 'cache-control': 'max-age=1' })
    await consumer.send(url, { dispatcher })
    await sleep(1100)
    resource.body = 'version two'
    resource.headers = { ...resource.headers, etag: '"v2"', 'cache-control': 'max-age=60' }
    const replaced = await consumer.send(url, { dispatcher })
    assert.equal(origin.requests[1]?.headers['if-none-match'], '"v1"')
    assert.equal(replaced.text, 'version two')
    assert.deepEqual(replaced.cacheStatus, { hit: false, fwd: 'stale', fwdStatus: 200, stored: true, ttl: 60 })
    const hit = await consumer.send(url, { dispatcher })
    assert.equal(hit.cacheStatus?.hit, true)
    assert.equal(hit.text, 'version two')
    assert.equal(origin.count(), 2)
  })

  test(`${consumer.name}: the caller's own conditional request passes through, and its 304 reaches the caller as is`, async (t) => {
    const { origin, dispatcher, url } = await withResource(t, {}, { ...validators, 'cache-control': 'max-age=60' })
    await consumer.send(url, { dispatcher })
    const own = await consumer.send(url, { dispatcher, headers: { 'if-none-match': '"v1"' } })
    assert.equal(own.status, 304)
    assert.equal(own.body.length, 0)
    assert.deepEqual(own.cacheStatus, { hit: false, fwd: 'request', detail: 'conditional' })
    assert.equal(origin.count(), 2, 'not answered from the fresh entry')
    assert.equal(origin.requests[1]?.headers['if-none-match'], '"v1"')
    const hit = await consumer.send(url, { dispatcher })
    assert.equal(hit.text, BODY, 'the entry is untouched')
    assert.equal(hit.cacheStatus?.hit, true)
  })
}

// Other reasons to revalidate, each with the validators the entry has (no sleeping: these are stale on arrival or asked for).
const reasons: Array<{ name: string, options: CacheOptions, headers: Record<string, string>, init: Partial<SendInit>, expected: CacheStatus }> = [
  {
    name: 'an entry stored with EXPIRE_IMMEDIATELY (ETag only)',
    options: { expireAfter: EXPIRE_IMMEDIATELY },
    headers: { etag: '"v1"' },
    init: {},
    expected: { hit: false, fwd: 'stale', fwdStatus: 304, stored: true, ttl: 0 }
  },
  {
    name: 'a response that said no-cache (Last-Modified only)',
    options: {},
    headers: { 'last-modified': LAST_MODIFIED, 'cache-control': 'max-age=60, no-cache' },
    init: {},
    expected: { hit: false, fwd: 'stale', fwdStatus: 304, stored: true, ttl: 0 }
  },
  {
    name: 'a fresh entry and the refresh option',
    options: {},
    headers: { ...validators, 'cache-control': 'max-age=60' },
    init: { cache: { refresh: true } },
    expected: { hit: false, fwd: 'request', fwdStatus: 304, stored: true, ttl: 60 }
  },
  {
    name: 'a fresh entry and a request Cache-Control: no-cache',
    options: {},
    headers: { ...validators, 'cache-control': 'max-age=60' },
    init: { headers: { 'cache-control': 'no-cache' } },
    expected: { hit: false, fwd: 'request', fwdStatus: 304, stored: true, ttl: 60 }
  }
]

for (const { name, options, headers, init, expected } of reasons) {
  test(`revalidated: ${name}`, async (t) => {
    const { origin, dispatcher, resource, url } = await withResource(t, options, headers)
    assert.equal((await viaRequest.send(url, { dispatcher })).cacheStatus?.stored, true)
    resource.headers['x-version'] = '2'
    const revalidated = await viaRequest.send(url, { dispatcher, ...init })
    // Exactly the validators the entry has.
    assert.equal(origin.requests[1]?.headers['if-none-match'], headers.etag)
    assert.equal(origin.requests[1]?.headers['if-modified-since'], headers['last-modified'])
    assert.equal(revalidated.status, 200)
    assert.equal(revalidated.text, BODY)
    assert.equal(revalidated.header('x-version'), '2')
    assert.deepEqual(revalidated.cacheStatus, expected)
  })
}

test('forceRefresh sends no validators, and what the origin returns overwrites the entry', async (t) => {
  const { origin, dispatcher, resource, url } = await withResource(t, {}, { ...validators, 'cache-control': 'max-age=60' })
  await viaRequest.send(url, { dispatcher })
  // A new body under the same validators: a conditional request would get a 304 and keep the old body.
  resource.body = 'version two'
  const forced = await viaRequest.send(url, { dispatcher, cache: { forceRefresh: true } })
  assert.equal(origin.requests[1]?.headers['if-none-match'], undefined)
  assert.equal(origin.requests[1]?.headers['if-modified-since'], undefined)
  assert.equal(forced.text, 'version two')
  assert.deepEqual(forced.cacheStatus, { hit: false, fwd: 'request', stored: true, ttl: 60 })
  const hit = await viaRequest.send(url, { dispatcher })
  assert.equal(hit.text, 'version two')
  assert.equal(hit.cacheStatus?.hit, true)
  assert.equal(origin.count(), 2)
})
