/** Item 5: per-request options, through undici's dispatch options and, for fetch, through request headers. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { viaFetch, viaGlobalFetch, viaRequest } from './helpers/clients.js'
import { setup } from './helpers/setup.js'
import { fetch, request } from './helpers/undici.js'

test('cache: false bypasses the cache both ways', async (t) => {
  const { origin, dispatcher, cache } = await setup(t)
  await viaRequest.send(`${origin.url}/b`, { dispatcher })
  const bypassed = await viaRequest.send(`${origin.url}/b`, { dispatcher, cache: false })
  assert.deepEqual(bypassed.cacheStatus, { hit: false, fwd: 'bypass' })
  await viaRequest.send(`${origin.url}/never`, { dispatcher, cache: false })
  assert.equal(await cache.hasUrl(`${origin.url}/never`), false)
  assert.equal(origin.count(), 3)
})

test('refresh and forceRefresh go to the origin and store what it returns', async (t) => {
  let version = 0
  const { origin, dispatcher } = await setup(t, {}, (_req, res) => { res.end(`v${++version}`) })
  assert.equal((await viaRequest.send(`${origin.url}/r`, { dispatcher })).text, 'v1')
  const refreshed = await viaRequest.send(`${origin.url}/r`, { dispatcher, cache: { refresh: true } })
  assert.equal(refreshed.text, 'v2')
  assert.deepEqual(refreshed.cacheStatus, { hit: false, fwd: 'request', stored: true })
  assert.equal((await viaRequest.send(`${origin.url}/r`, { dispatcher })).text, 'v2')
  assert.equal((await viaRequest.send(`${origin.url}/r`, { dispatcher, cache: { forceRefresh: true } })).text, 'v3')
  assert.equal((await viaRequest.send(`${origin.url}/r`, { dispatcher })).text, 'v3')
  assert.equal(origin.count(), 3)
})

test('per-request expireAfter sets the stored entry\'s lifetime', async (t) => {
  const { origin, dispatcher } = await setup(t, { expireAfter: '1h' })
  const answer = await viaRequest.send(`${origin.url}/e`, { dispatcher, cache: { expireAfter: '10m' } })
  assert.equal(answer.cacheStatus?.ttl, 600)
})

test('onlyIfCached: a hit is served; a miss is a 504 and the origin is not called', async (t) => {
  const { origin, dispatcher } = await setup(t)
  const miss = await viaRequest.send(`${origin.url}/o`, { dispatcher, cache: { onlyIfCached: true } })
  assert.equal(miss.status, 504)
  assert.deepEqual(miss.cacheStatus, { hit: false, detail: 'only-if-cached' })
  assert.equal(origin.count(), 0)
  await viaRequest.send(`${origin.url}/o`, { dispatcher })
  const hit = await viaRequest.send(`${origin.url}/o`, { dispatcher, cache: { onlyIfCached: true, refresh: true } })
  assert.equal(hit.status, 200)
  assert.equal(hit.cacheStatus?.hit, true)
  assert.equal(origin.count(), 1)
})

for (const consumer of [viaRequest, viaFetch, viaGlobalFetch]) {
  test(`${consumer.name}: request headers say the same: only-if-cached, no-cache, no-store, max-age=N`, async (t) => {
    let version = 0
    const { origin, dispatcher } = await setup(t, {}, (_req, res) => { res.end(`v${++version}`) })
    const send = (cacheControl?: string): ReturnType<typeof consumer.send> =>
      consumer.send(`${origin.url}/h`, { dispatcher, headers: cacheControl === undefined ? {} : { 'cache-control': cacheControl } })
    assert.equal((await send('only-if-cached')).status, 504)
    assert.equal((await send('max-age=120')).cacheStatus?.ttl, 120)
    assert.equal((await send()).text, 'v1')
    const noCache = await send('no-cache')
    assert.equal(noCache.text, 'v2')
    assert.equal(noCache.cacheStatus?.fwd, 'request')
    const noStore = await send('no-store')
    assert.equal(noStore.text, 'v3')
    assert.equal((await send()).text, 'v2', 'no-store neither read nor replaced the entry')
    assert.equal((await send('only-if-cached')).text, 'v2')
    assert.equal(origin.count(), 3)
  })
}

test('fetch cache modes arrive as headers: reload and no-cache refetch and store, force-cache reads', async (t) => {
  let version = 0
  const { origin, dispatcher } = await setup(t, {}, (_req, res) => { res.end(`v${++version}`) })
  const send = async (mode: 'default' | 'reload' | 'no-cache' | 'force-cache'): Promise<string> => (await fetch(`${origin.url}/m`, { dispatcher, cache: mode } as Parameters<typeof fetch>[1])).text()
  assert.equal(await send('default'), 'v1')
  assert.equal(await send('default'), 'v1')
  assert.equal(await send('reload'), 'v2')
  assert.equal(await send('no-cache'), 'v3')
  assert.equal(await send('force-cache'), 'v3')
  assert.equal(origin.count(), 3)
})

test('bad per-request options are a TypeError naming the option, and nothing is sent', async (t) => {
  const { origin, dispatcher } = await setup(t)
  await assert.rejects(request(`${origin.url}/x`, { dispatcher, cache: { expireAfter: 'soon' } } as Parameters<typeof request>[1]), {
    name: 'TypeError', message: /cache\.expireAfter must be .*"soon"/
  })
  await assert.rejects(request(`${origin.url}/x`, { dispatcher, cache: { refesh: true } } as Parameters<typeof request>[1]), {
    name: 'TypeError', message: /Unknown option cache\.refesh/
  })
  await assert.rejects(request(`${origin.url}/x`, { dispatcher, cache: 'no' } as Parameters<typeof request>[1]), { name: 'TypeError', message: /got "no"/ })
  assert.equal(origin.count(), 0)
})
