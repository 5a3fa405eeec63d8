/**
 * The backend contract: the same behaviours, with the same assertions, on every backend (memory, SQLite, Redis,
 * Redis Cluster, MongoDB, DynamoDB). A backend whose server is not reachable is skipped, or fails when
 * UCC_REQUIRE_SERVICES=1 (as in CI).
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { keyOfUrl } from '#lib/backends/selection.js'
import { allBackendCases, available, listUrls, uniqueName } from './helpers/backends.js'
import { viaFetch, viaRequest } from './helpers/clients.js'
import { foreignValues, storedValue } from './helpers/foreign-values.js'
import { setup } from './helpers/setup.js'

for (const backend of allBackendCases) {
  describe(`${backend.name} backend`, () => {
    test('a repeat request is a hit through request and fetch; the origin sees one request per URL', async (t) => {
      if (!await available(t, backend)) return
      const { origin, dispatcher } = await setup(t, { cache: backend.make() })
      for (const consumer of [viaRequest, viaFetch]) {
        const url = `${origin.url}/item?via=${consumer.name}`
        const first = await consumer.send(url, { dispatcher })
        const second = await consumer.send(url, { dispatcher })
        assert.equal(first.status, 200)
        assert.deepEqual(first.cacheStatus, { hit: false, fwd: 'uri-miss', stored: true })
        assert.deepEqual(second.cacheStatus, { hit: true })
        assert.equal(second.text, first.text)
        assert.equal(second.header('content-type'), 'text/plain')
      }
      assert.equal(origin.count(), 2)
    })

    test('a binary body and repeated headers round-trip exactly', async (t) => {
      if (!await available(t, backend)) return
      const body = randomBytes(64 * 1024)
      const { origin, dispatcher } = await setup(t, { cache: backend.make() }, (_req, res) => {
        res.setHeader('content-type', 'application/octet-stream')
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/'])
        res.end(body)
      })
      await viaRequest.send(`${origin.url}/bin`, { dispatcher })
      for (const consumer of [viaRequest, viaFetch]) {
        const hit = await consumer.send(`${origin.url}/bin`, { dispatcher })
        assert.equal(hit.cacheStatus?.hit, true)
        assert.ok(hit.body.equals(body), `${consumer.name}: body differs`)
        assert.deepEqual(hit.setCookies, ['a=1; Path=/', 'b=2; Path=/'])
      }
      assert.equal(origin.count(), 1)
    })

    test('a value that is not an entry of this version (another version, cut short, garbage, Keyv\'s JSON envelope) is a miss, then overwritten, and deleteExpired() removes it', async (t) => {
      if (!await available(t, backend)) return
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make() })
      const keyOf = (path: string): string => keyOfUrl(cache.keyBuilder, origin.url + path)
      for (const [i, foreign] of foreignValues.entries()) {
        // (Written before the first request of its URL, so that a memory layer has nothing of it yet.)
        await foreign.write(cache, keyOf(`/v${i}`))
        const answer = await viaRequest.send(`${origin.url}/v${i}`, { dispatcher })
        assert.equal(answer.text, `hello GET /v${i}`, foreign.name)
        assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'uri-miss', stored: true }, foreign.name)
        const healed = await viaRequest.send(`${origin.url}/v${i}`, { dispatcher })
        assert.deepEqual([healed.cacheStatus?.hit, healed.text], [true, `hello GET /v${i}`], `${foreign.name}: overwritten`)
      }
      assert.equal(origin.count(), foreignValues.length)
      const healed = foreignValues.map((_, i) => `${origin.url}/v${i}`).sort()
      for (const remove of [async () => cache.deleteExpired(), async () => cache.delete({ expired: true })]) {
        for (const [i, foreign] of foreignValues.entries()) await foreign.write(cache, keyOf(`/d${i}`))
        assert.equal(await remove(), foreignValues.length, 'every unreadable value is deleted, and nothing else')
        for (const [i, foreign] of foreignValues.entries()) assert.equal(await storedValue(cache, keyOf(`/d${i}`)), undefined, foreign.name)
        assert.deepEqual(await listUrls(cache), healed)
      }
    })

    test('clear, hasUrl, deleteUrl, urls, deleteExpired and close', async (t) => {
      if (!await available(t, backend)) return
      const { origin, dispatcher, cache, interceptor } = await setup(t, { cache: backend.make(), urlsExpireAfter: { '127.0.0.1:*/short': '1s' } })
      assert.equal(interceptor.cache, cache)
      for (const path of ['/a', '/b?x=1', '/short']) await viaRequest.send(origin.url + path, { dispatcher })
      assert.deepEqual(await listUrls(cache), [`${origin.url}/a`, `${origin.url}/b?x=1`, `${origin.url}/short`])
      assert.equal(await cache.hasUrl(`${origin.url}/a`), true)
      assert.equal(await cache.hasUrl(`${origin.url}/nothing`), false)
      assert.equal(await cache.deleteUrl(`${origin.url}/a`), true)
      assert.equal(await cache.deleteUrl(`${origin.url}/a`), false)
      assert.equal(await cache.hasUrl(`${origin.url}/a`), false)
      assert.equal(await cache.deleteExpired(Date.now() + 2000), 1)
      assert.deepEqual(await listUrls(cache), [`${origin.url}/b?x=1`])
      await cache.clear()
      assert.deepEqual(await listUrls(cache), [])
      await viaRequest.send(`${origin.url}/b?x=1`, { dispatcher })
      assert.equal(origin.count(), 4, 'after clear, a request goes to the origin again')
    })

    test('entries, delete by URL glob and by expiry, resetExpiration and stats', async (t) => {
      if (!await available(t, backend)) return
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make(), urlsExpireAfter: { '127.0.0.1:*/old/*': '1h' } })
      for (const path of ['/api/1', '/api/2', '/old/1', '/other']) await viaRequest.send(origin.url + path, { dispatcher })
      const infos = []
      for await (const info of cache.entries({ urls: [`${origin.url}/api/*`] })) infos.push(info)
      assert.deepEqual(infos.map((info) => [info.url, info.status, info.method, info.expired]).sort(), [[`${origin.url}/api/1`, 200, 'GET', false], [`${origin.url}/api/2`, 200, 'GET', false]])
      assert.equal(await cache.resetExpiration(0, { urls: ['*/old/*'] }), 1)
      const stats = await cache.stats()
      assert.deepEqual([stats.entries, stats.expired, stats.stored, stats.misses], [4, 1, 4, 4])
      assert.ok(stats.bytes > 4 * 'hello GET /api/1'.length)
      assert.equal(await cache.delete({ expired: true }), 1)
      assert.equal(await cache.delete({ urls: [`${origin.url}/api/*`] }), 2)
      assert.deepEqual(await listUrls(cache), [`${origin.url}/other`])
    })

    test('clear() empties a cache of 60 entries (past any batch limit of the store)', async (t) => {
      if (!await available(t, backend)) return
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make() })
      await Promise.all(Array.from({ length: 60 }, async (_, i) => viaRequest.send(`${origin.url}/n${i}`, { dispatcher })))
      await cache.flush()
      assert.equal((await listUrls(cache)).length, 60)
      await cache.clear()
      assert.deepEqual(await listUrls(cache), [])
    })

    test('40 concurrent misses are all stored, then all hits', async (t) => {
      if (!await available(t, backend)) return
      const { origin, dispatcher } = await setup(t, { cache: backend.make() })
      const paths = Array.from({ length: 40 }, (_, i) => `/c${i}`)
      const misses = await Promise.all(paths.map(async (path) => viaRequest.send(origin.url + path, { dispatcher })))
      assert.ok(misses.every((answer, i) => answer.status === 200 && answer.text === `hello GET ${paths[i]!}`))
      const hits = await Promise.all(paths.map(async (path) => viaRequest.send(origin.url + path, { dispatcher })))
      const wrong = hits.flatMap((answer, i) => answer.cacheStatus?.hit === true && answer.text === `hello GET ${paths[i]!}` ? [] : [{ path: paths[i], cacheStatus: answer.header('cache-status'), text: answer.text }])
      assert.deepEqual(wrong, [], 'every second request is a hit with its own body')
      assert.equal(origin.count(), 40)
    })

    test('an expired entry stays stored (for revalidation); a never-expiring one stays fresh', async (t) => {
      if (!await available(t, backend)) return
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make() })
      await viaRequest.send(`${origin.url}/soon?cc=max-age=1`, { dispatcher })
      await viaRequest.send(`${origin.url}/never`, { dispatcher })
      await cache.flush()
      await sleep(1100)
      const expired = await viaRequest.send(`${origin.url}/soon?cc=max-age=1`, { dispatcher })
      assert.equal(expired.cacheStatus?.fwd, 'stale', 'the expired entry was still in the store')
      assert.equal((await viaRequest.send(`${origin.url}/never`, { dispatcher })).cacheStatus?.hit, true)
      assert.equal(origin.count(), 3)
    })

    test('caches with different names do not see each other\'s entries; clear() of one leaves the other', async (t) => {
      if (!await available(t, backend)) return
      const [nameA, nameB] = [uniqueName(), uniqueName()]
      const a = await setup(t, { cache: backend.make(nameA) })
      const b = await setup(t, { cache: backend.make(nameB) })
      const url = `${a.origin.url}/shared`
      await viaRequest.send(url, { dispatcher: a.dispatcher })
      await a.cache.flush()
      assert.equal(await b.cache.hasUrl(url), false)
      await viaRequest.send(url, { dispatcher: b.dispatcher })
      await a.cache.clear()
      assert.equal(await a.cache.hasUrl(url), false)
      assert.equal(await b.cache.hasUrl(url), true)
      assert.equal((await viaRequest.send(url, { dispatcher: b.dispatcher })).cacheStatus?.hit, true)
    })

    test('a body larger than the store holds reaches the caller whole and is not stored; others are', async (t) => {
      if (!await available(t, backend)) return
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make() })
      const size = 512 * 1024
      const first = await viaRequest.send(`${origin.url}/large?size=${size}`, { dispatcher })
      const second = await viaRequest.send(`${origin.url}/large?size=${size}`, { dispatcher })
      assert.equal(first.status, 200)
      assert.equal(first.body.length, size)
      assert.equal(second.body.length, size)
      if (size > cache.maxEntrySize) {
        assert.deepEqual(first.cacheStatus, { hit: false, fwd: 'uri-miss', detail: 'too-large' })
        assert.equal(second.cacheStatus?.hit, false)
        assert.equal(origin.count(), 2)
      } else {
        assert.equal(second.cacheStatus?.hit, true)
        assert.equal(origin.count(), 1)
      }
    })
  })
}
