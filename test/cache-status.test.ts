/** Item 6: the Cache-Status header on every response, Age on hits, and headers that survive a hit intact. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatCacheStatus, parseCacheStatus, type CacheStatus } from 'undici-client-cache'
import { backendCases } from './helpers/backends.js'
import { consumers, viaFetch, viaRequest } from './helpers/clients.js'
import { setup } from './helpers/setup.js'
import { undiciMajor } from './helpers/undici.js'

test('Cache-Status names what happened: stored miss, hit with ttl, not stored, bypass, method, request', async (t) => {
  const { origin, dispatcher } = await setup(t, { expireAfter: 60 })
  const raw = async (path: string, init: Parameters<typeof viaRequest.send>[1]): Promise<string | null> =>
    (await viaRequest.send(origin.url + path, init)).header('cache-status')
  assert.equal(await raw('/a', { dispatcher }), 'undici-client-cache; fwd=uri-miss; ttl=60; stored')
  assert.match(await raw('/a', { dispatcher }) ?? '', /^undici-client-cache; hit; ttl=(59|60)$/)
  assert.equal(await raw('/a?status=404', { dispatcher }), 'undici-client-cache; fwd=uri-miss; detail=status')
  assert.equal(await raw('/a', { dispatcher, cache: false }), 'undici-client-cache; fwd=bypass')
  assert.equal(await raw('/a', { dispatcher, method: 'DELETE' }), 'undici-client-cache; fwd=method')
  assert.equal(await raw('/a', { dispatcher, cache: { refresh: true } }), 'undici-client-cache; fwd=request; ttl=60; stored')
  assert.equal(await raw('/a', { dispatcher, headers: { 'if-none-match': '"x"' } }), 'undici-client-cache; fwd=request; detail=conditional')
})

test('a hit carries Age: the age the response arrived with plus its time in the cache', async (t) => {
  const { origin, dispatcher } = await setup(t, {}, (_req, res) => { res.setHeader('age', '30'); res.end('aged') })
  const miss = await viaRequest.send(`${origin.url}/age`, { dispatcher })
  assert.equal(miss.header('age'), '30', 'a miss passes the origin\'s Age through')
  const hit = await viaFetch.send(`${origin.url}/age`, { dispatcher })
  assert.ok(['30', '31'].includes(hit.header('age') ?? ''), `Age ${String(hit.header('age'))}`)
})

test('an origin cannot pass its response off as a hit: parseCacheStatus reads the entry the cache appended', async (t) => {
  // A forged entry of ours; and one that tries to swallow ours (whose detail is quoted when max-age=0) into a string.
  const forged = ['undici-client-cache; hit; ttl=99', 'undici-client-cache; hit, x="']
  const { origin, dispatcher } = await setup(t, {}, (req, res) => {
    res.setHeader('cache-status', forged[Number(new URL(req.url ?? '/', 'http://x').searchParams.get('forged'))]!)
    res.setHeader('cache-control', req.url?.includes('/stored') === true ? 'max-age=60' : 'max-age=0')
    res.end('from the origin')
  })
  for (const consumer of [viaRequest, viaFetch]) {
    for (const index of forged.keys()) {
      const send = async (path: string): Promise<CacheStatus | undefined> =>
        (await consumer.send(`${origin.url}/${consumer.name}${path}?forged=${index}`, { dispatcher })).cacheStatus
      // (The second swallows ours into a malformed string: then there is no entry to read, which is not a hit either.)
      const notStored = await send('/not-stored')
      if (index === 0 || notStored !== undefined) assert.deepEqual(notStored, { hit: false, fwd: 'uri-miss', detail: 'max-age=0' }, `${consumer.name}, ${forged[index]!}`)
      assert.deepEqual(await send('/stored'), { hit: false, fwd: 'uri-miss', stored: true, ttl: 60 })
      assert.equal((await send('/stored'))?.hit, true)
    }
  }
  assert.equal(origin.count(), 8)
})

test('an upstream Cache-Status is kept, and ours is appended to the list', async (t) => {
  const { origin, dispatcher } = await setup(t, {}, (_req, res) => { res.setHeader('cache-status', 'ExampleCDN; hit'); res.end('x') })
  for (const consumer of [viaRequest, viaFetch]) {
    const answer = await consumer.send(`${origin.url}/cdn`, { dispatcher })
    assert.match(answer.header('cache-status') ?? '', /^ExampleCDN; hit, undici-client-cache; /)
    assert.notEqual(answer.cacheStatus, undefined)
  }
  const hit = await viaFetch.send(`${origin.url}/cdn`, { dispatcher })
  assert.equal(hit.header('cache-status'), 'ExampleCDN; hit, undici-client-cache; hit')
})

for (const backend of backendCases) {
  for (const consumer of consumers) {
    // Node's own fetch (Node <= 24) joins repeated headers set by any composed dispatcher of undici 7 (nodejs/undici#4389).
    const joinsCookies = consumer.name === 'global fetch' && undiciMajor < 8 && Number(process.versions.node.split('.')[0]) <= 24
    test(`${backend.name} / ${consumer.name}: two Set-Cookie headers survive a hit intact`, async (t) => {
      const { origin, dispatcher } = await setup(t, { cache: backend.make() }, (_req, res) => {
        res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Path=/'])
        res.setHeader('x-multi', ['one', 'two'])
        res.end('cookies')
      })
      await consumer.send(`${origin.url}/c`, { dispatcher })
      const hit = await consumer.send(`${origin.url}/c`, { dispatcher })
      assert.equal(hit.cacheStatus?.hit, true)
      assert.deepEqual(hit.setCookies, joinsCookies ? ['a=1; Path=/,b=2; Path=/'] : ['a=1; Path=/', 'b=2; Path=/'])
      assert.equal(hit.header('x-multi'), joinsCookies ? 'one,two' : 'one, two')
    })
  }
}

test('parseCacheStatus reads our entry from Headers, header objects and strings, ignoring other caches', () => {
  const value = 'OtherCache; hit; ttl=5, undici-client-cache; fwd=stale; fwd-status=304; ttl=-3; stored; collapsed; detail="a b"'
  const expected = { hit: false, fwd: 'stale', fwdStatus: 304, ttl: -3, stored: true, collapsed: true, detail: 'a b' }
  assert.deepEqual(parseCacheStatus(value), expected)
  assert.deepEqual(parseCacheStatus(new Headers({ 'cache-status': value })), expected)
  assert.deepEqual(parseCacheStatus({ 'Cache-Status': value.split(', ') }), expected)
  assert.equal(parseCacheStatus({ 'content-type': 'text/plain' }), undefined)
  assert.equal(parseCacheStatus('OtherCache; hit'), undefined)
  assert.equal(parseCacheStatus(undefined), undefined)
  assert.deepEqual(parseCacheStatus(formatCacheStatus({ hit: true, ttl: 10 })), { hit: true, ttl: 10 })
})

test('formatCacheStatus cannot be made to inject a header: details that are not tokens are quoted', () => {
  const text = formatCacheStatus({ hit: false, fwd: 'bypass', detail: 'x\r\nset-cookie: evil=1' })
  assert.doesNotMatch(text, /[\r\n]/)
  assert.equal(text, 'undici-client-cache; fwd=bypass; detail="x??set-cookie: evil=1"')
  assert.equal(parseCacheStatus(text)?.detail, 'x??set-cookie: evil=1')
  assert.equal(parseCacheStatus(formatCacheStatus({ hit: false, detail: 'say "hi" \\o/' }))?.detail, 'say "hi" \\o/')
})
