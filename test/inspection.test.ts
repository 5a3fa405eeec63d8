/** Inspecting and managing what a backend holds: entries(), delete(filter), resetExpiration(), stats(). */
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { cacheInterceptor, EXPIRE_IMMEDIATELY, NEVER_EXPIRE, type CacheBackend, type EntryFilter, type EntryInfo } from 'undici-client-cache'
import { backendCases } from './helpers/backends.js'
import { viaRequest } from './helpers/clients.js'
import { echoWithEtag, startOrigin } from './helpers/origin.js'
import { setup } from './helpers/setup.js'
import { Agent, interceptors } from './helpers/undici.js'

async function listed (cache: CacheBackend, filter?: EntryFilter): Promise<EntryInfo[]> {
  const found: EntryInfo[] = []
  for await (const info of cache.entries(filter)) found.push(info)
  return found.sort((a, b) => a.url < b.url ? -1 : 1)
}


const urlsOf = async (cache: CacheBackend, filter?: EntryFilter): Promise<string[]> => (await listed(cache, filter)).map((info) => info.url)

for (const backend of backendCases) {
  describe(`${backend.name}`, () => {
    test('entries() describes each stored response; filters by URL, glob, expiry and age', async (t) => {
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make(), ignoredParams: ['token'] }, echoWithEtag)
      const before = Date.now()
      for (const path of ['/a?y=2&x=1', '/b', '/api/one', '/api/two?token=secret', '/old?cc=max-age=0']) await viaRequest.send(origin.url + path, { dispatcher })
      const all = await listed(cache)
      assert.deepEqual(all.map((info) => info.url), [
        `${origin.url}/a?x=1&y=2`, `${origin.url}/api/one`, `${origin.url}/api/two?token=REDACTED`, `${origin.url}/b`, `${origin.url}/old?cc=max-age%3D0`
      ])
      const one = all[1]!
      assert.equal(one.method, 'GET')
      assert.equal(one.status, 200)
      assert.match(one.key, /^[0-9a-f]{64}$/)
      assert.ok(one.createdAt instanceof Date && one.createdAt.getTime() >= before - 1000)
      assert.equal(one.expiresAt, null)
      assert.equal(one.expired, false)
      assert.ok(one.size > 'hello GET /api/one'.length, `size ${one.size}`)
      assert.equal(all[4]!.expired, true)

      // A URL is compared as the cache stores it: the query's order and ignored parameters do not matter.
      assert.deepEqual(await urlsOf(cache, { urls: [`${origin.url}/a?x=1&y=2`] }), [`${origin.url}/a?x=1&y=2`])
      assert.deepEqual(await urlsOf(cache, { urls: [`${origin.url}/a?y=2&x=1`] }), [`${origin.url}/a?x=1&y=2`])
      assert.deepEqual(await urlsOf(cache, { urls: [`${origin.url}/api/two?token=other`] }), [`${origin.url}/api/two?token=REDACTED`])
      // A glob matches the whole URL; without a scheme, the scheme is ignored.
      assert.deepEqual(await urlsOf(cache, { urls: [`${origin.url}/api/*`] }), [`${origin.url}/api/one`, `${origin.url}/api/two?token=REDACTED`])
      assert.deepEqual(await urlsOf(cache, { urls: ['127.0.0.1:*/api/on?'] }), [`${origin.url}/api/one`])
      assert.deepEqual(await urlsOf(cache, { urls: [`${origin.url}/ap`] }), [], 'not a prefix match')
      assert.deepEqual(await urlsOf(cache, { expired: true }), [`${origin.url}/old?cc=max-age%3D0`])
      assert.equal((await urlsOf(cache, { expired: false })).length, 4)
      assert.deepEqual(await urlsOf(cache, { keys: [one.key] }), [`${origin.url}/api/one`])
      assert.equal((await urlsOf(cache, { olderThan: new Date(Date.now() + 1000) })).length, 5)
      assert.equal((await urlsOf(cache, { olderThan: '1h' })).length, 0)
      assert.deepEqual(await urlsOf(cache, { urls: [`${origin.url}/*`], expired: true }), [`${origin.url}/old?cc=max-age%3D0`], 'conditions combine')
    })

    test('delete(filter) removes what the filter selects, reports progress, and the next request goes to the origin', async (t) => {
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make() }, echoWithEtag)
      const paths = [...Array.from({ length: 70 }, (_, i) => `/bulk/${i}`), '/keep', '/gone?cc=max-age=0']
      await Promise.all(paths.map(async (path) => viaRequest.send(origin.url + path, { dispatcher })))
      const progress: Array<{ deleted: number, total: number }> = []
      assert.equal(await cache.delete({ urls: [`${origin.url}/bulk/*`] }, { onProgress: (p) => progress.push(p) }), 70)
      assert.deepEqual(progress.at(-1), { deleted: 70, total: 70 })
      assert.ok(progress.length >= 2, 'progress is reported as the deletion goes')
      assert.deepEqual(await urlsOf(cache), [`${origin.url}/gone?cc=max-age%3D0`, `${origin.url}/keep`])
      assert.equal(await cache.delete({ expired: true }), 1)
      assert.deepEqual(await urlsOf(cache), [`${origin.url}/keep`])
      assert.equal(await cache.delete({ urls: [`${origin.url}/nothing`] }), 0)
      const seen = origin.count()
      assert.equal((await viaRequest.send(`${origin.url}/bulk/3`, { dispatcher })).cacheStatus?.hit, false)
      assert.equal((await viaRequest.send(`${origin.url}/keep`, { dispatcher })).cacheStatus?.hit, true)
      assert.equal(origin.count(), seen + 1)
    })

    test('delete(filter) takes the aliases of a redirect chain with the entry they name', async (t) => {
      const origin = await startOrigin((req, res) => {
        if (req.url === '/start') {
          res.statusCode = 301
          res.setHeader('location', '/end')
          res.end()
          return
        }
        res.setHeader('cache-control', 'max-age=60')
        res.end('final')
      })
      const interceptor = cacheInterceptor({ cache: backend.make() })
      const dispatcher = new Agent().compose(interceptors.redirect({ maxRedirections: 3 }), interceptor)
      t.after(async () => { await Promise.allSettled([interceptor.cache.close(), dispatcher.close(), origin.close()]) })
      await viaRequest.send(`${origin.url}/start`, { dispatcher })
      await interceptor.cache.flush()
      assert.equal((await viaRequest.send(`${origin.url}/end`, { dispatcher })).cacheStatus?.hit, true, 'the alias answers')
      assert.equal(await interceptor.cache.delete({ urls: [`${origin.url}/start`] }), 2, 'the entry and its alias')
      assert.equal((await viaRequest.send(`${origin.url}/end`, { dispatcher })).cacheStatus?.hit, false)
    })

    test('resetExpiration() gives stored responses a new expiry from now', async (t) => {
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make() }, echoWithEtag)
      await viaRequest.send(`${origin.url}/a`, { dispatcher })
      await viaRequest.send(`${origin.url}/b?cc=max-age=0`, { dispatcher })
      assert.equal(await cache.resetExpiration(EXPIRE_IMMEDIATELY, { urls: [`${origin.url}/a`] }), 1)
      assert.equal(await cache.resetExpiration(NEVER_EXPIRE, { expired: true, urls: [`${origin.url}/b*`] }), 1)
      const [a, b] = await listed(cache)
      assert.equal(a!.expired, true)
      assert.deepEqual([b!.expired, b!.expiresAt], [false, null])
      assert.equal((await viaRequest.send(`${origin.url}/a`, { dispatcher })).cacheStatus?.fwd, 'stale')
      assert.equal((await viaRequest.send(`${origin.url}/b?cc=max-age=0`, { dispatcher })).cacheStatus?.hit, true)
      assert.equal(await cache.resetExpiration('1h'), 2)
      for (const info of await listed(cache)) assert.ok(info.expiresAt !== null && info.expiresAt.getTime() > Date.now() + 3_500_000)
    })

    test('stats() counts entries, bytes and expired ones, and this process\'s hits, misses and stores', async (t) => {
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make() }, echoWithEtag)
      for (const path of ['/a', '/a', '/a', '/b?cc=max-age=0', '/c?cc=no-store']) await viaRequest.send(origin.url + path, { dispatcher })
      await cache.flush()
      const stats = await cache.stats()
      const sizes = (await listed(cache)).reduce((sum, info) => sum + info.size, 0)
      assert.deepEqual(stats, { entries: 2, bytes: sizes, expired: 1, hits: 2, misses: 3, stored: 2, errors: 0 })
    })

    test('a filter that names nothing, or a bad field, is a TypeError naming it', async (t) => {
      const { cache } = await setup(t, { cache: backend.make() })
      await assert.rejects(cache.delete({}), /delete\(\): the filter names no entries/)
      await assert.rejects(cache.delete({ urls: 'x' as unknown as string[] }), /delete\(\): urls must be an array of non-empty strings; got "x"/)
      await assert.rejects(cache.delete({ olderThan: 'soon' }), /delete\(\): olderThan must be a number of seconds .* got "soon"/)
      await assert.rejects(cache.delete({ expired: 'yes' as unknown as boolean }), /expired must be true or false; got "yes"/)
      await assert.rejects(cache.delete({ url: ['x'] } as unknown as EntryFilter), /unknown filter field url/)
      await assert.rejects(listed(cache, { olderThan: new Date('nope') }), /entries\(\): olderThan must be a valid Date/)
      await assert.rejects(cache.resetExpiration('later'), /resetExpiration\(\): expireAfter must be/)
    })
  })
}
