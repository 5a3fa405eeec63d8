/** Item 4: which methods and status codes are cached, and the filter that can veto an entry. */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import Keyv from 'keyv'
import { CacheBackend, cacheInterceptor, MemoryBackend, type CachedResponse } from 'undici-client-cache'
import { viaFetch, viaRequest } from './helpers/clients.js'
import { echo, startOrigin } from './helpers/origin.js'
import { setup } from './helpers/setup.js'
import { Agent } from './helpers/undici.js'

test('POST is not cached by default (fwd=method), and is cached, keyed on its body, when allowed', async (t) => {
  const byDefault = await setup(t)
  for (let i = 0; i < 2; i++) {
    const answer = await viaRequest.send(`${byDefault.origin.url}/p`, { dispatcher: byDefault.dispatcher, method: 'POST', body: 'q' })
    assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'method' })
  }
  assert.equal(byDefault.origin.count(), 2)

  const allowed = await setup(t, { allowedMethods: ['GET', 'POST'] })
  for (const consumer of [viaRequest, viaFetch, viaRequest]) {
    await consumer.send(`${allowed.origin.url}/p`, { dispatcher: allowed.dispatcher, method: 'POST', body: 'q' })
  }
  assert.equal(allowed.origin.count(), 1)
  assert.equal(allowed.origin.requests[0]?.body.toString(), 'q')
  const head = await viaRequest.send(`${allowed.origin.url}/p`, { dispatcher: allowed.dispatcher, method: 'HEAD' })
  assert.equal(head.cacheStatus?.fwd, 'method', 'HEAD is not allowed once the list is given without it')
})

test('only 200 is cached by default; 404 is cached when allowed; 500 is not', async (t) => {
  const byDefault = await setup(t)
  for (let i = 0; i < 2; i++) {
    const answer = await viaRequest.send(`${byDefault.origin.url}/missing?status=404`, { dispatcher: byDefault.dispatcher })
    assert.equal(answer.status, 404)
    assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'uri-miss', detail: 'status' })
  }
  assert.equal(byDefault.origin.count(), 2)

  const allowed = await setup(t, { allowedCodes: [200, 404] })
  for (const path of ['/missing?status=404', '/missing?status=404', '/broken?status=500', '/broken?status=500']) {
    await viaRequest.send(allowed.origin.url + path, { dispatcher: allowed.dispatcher })
  }
  assert.equal(allowed.origin.count('/missing'), 1)
  assert.equal(allowed.origin.count('/broken'), 2)
})

test('filter vetoes storing; it sees the whole response', async (t) => {
  const seen: CachedResponse[] = []
  const { origin, dispatcher } = await setup(t, { filter: (response) => { seen.push(response); return !response.body.toString().includes('secret') } })
  for (const path of ['/public', '/public', '/secret', '/secret']) await viaRequest.send(origin.url + path, { dispatcher })
  assert.equal(origin.count('/public'), 1)
  assert.equal(origin.count('/secret'), 2)
  const first = seen[0]!
  assert.equal(first.status, 200)
  assert.equal(first.method, 'GET')
  assert.equal(first.url, `${origin.url}/public`)
  assert.equal(first.headers['content-type'], 'text/plain')
  assert.equal(first.body.toString(), 'hello GET /public')
  assert.ok(first.createdAt instanceof Date)
  assert.equal(first.expiresAt, null)
})

test('an async filter is awaited, and the next request still reads the entry it let through', async (t) => {
  const { origin, dispatcher } = await setup(t, { filter: async (response) => { await sleep(20); return response.status === 200 } })
  for (let i = 0; i < 3; i++) await viaRequest.send(`${origin.url}/slow-filter`, { dispatcher })
  assert.equal(origin.count(), 1)
})

test('a filter that throws counts as a veto, not as a failed request', async (t) => {
  const { origin, dispatcher } = await setup(t, { filter: () => { throw new Error('filter bug') } })
  for (let i = 0; i < 2; i++) assert.equal((await viaRequest.send(`${origin.url}/f`, { dispatcher })).status, 200)
  assert.equal(origin.count(), 2)
})

test('on read, an entry the filter now rejects is deleted and fetched again', async (t) => {
  const backend = new MemoryBackend()
  const origin = await startOrigin(echo)
  const permissive = new Agent().compose(cacheInterceptor({ cache: backend }))
  const strict = new Agent().compose(cacheInterceptor({ cache: backend, filter: (response) => !response.url.endsWith('/old') }))
  t.after(async () => { await permissive.close(); await strict.close(); await origin.close() })
  await viaRequest.send(`${origin.url}/old`, { dispatcher: permissive })
  assert.equal(backend.size, 1)
  const answer = await viaRequest.send(`${origin.url}/old`, { dispatcher: strict })
  assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'miss', stored: true })
  await backend.flush()
  assert.equal(backend.size, 0, 'deleted, and the new response vetoed too')
  assert.equal(origin.count(), 2)
})

test('on read, an entry whose status is no longer allowed is not served', async (t) => {
  const backend = new MemoryBackend()
  const origin = await startOrigin(echo)
  const lenient = new Agent().compose(cacheInterceptor({ cache: backend, allowedCodes: [200, 404] }))
  const strict = new Agent().compose(cacheInterceptor({ cache: backend }))
  t.after(async () => { await lenient.close(); await strict.close(); await origin.close() })
  await viaRequest.send(`${origin.url}/gone?status=404`, { dispatcher: lenient })
  const answer = await viaRequest.send(`${origin.url}/gone?status=404`, { dispatcher: strict })
  assert.equal(answer.cacheStatus?.fwd, 'miss')
  assert.equal(origin.count(), 2)
})

test('an async filter that never settles: the response is not stored, and later requests are not held up', async (t) => {
  const cache = new CacheBackend(new Keyv(), { timeout: 100 })
  const { origin, dispatcher } = await setup(t, { cache, filter: () => new Promise<boolean>(() => {}) })
  for (let i = 0; i < 2; i++) assert.equal((await viaRequest.send(`${origin.url}/stuck`, { dispatcher })).status, 200)
  await cache.flush() // settles: the stuck write was given up on
  assert.equal(await cache.hasUrl(`${origin.url}/stuck`), false)
  assert.equal(origin.count(), 2)
})
