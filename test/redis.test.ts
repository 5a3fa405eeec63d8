/** RedisBackend: its keys and their native expiry, and an application's own client. (Store faults: store-faults.test.ts.) */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createClient } from '@keyv/redis'
import { RedisBackend } from 'undici-client-cache'
import { keyOfUrl } from '#lib/backends/selection.js'
import { uniqueName } from './helpers/backends.js'
import { viaRequest } from './helpers/clients.js'
import { needService, services } from './helpers/services.js'
import { setup } from './helpers/setup.js'

test('keys are <cacheName>:<key>, with an expiry of freshness + keepStaleFor; never-expiring entries have none', async (t) => {
  if (!await needService(t, 'redis')) return
  const cacheName = uniqueName()
  const { origin, dispatcher, cache } = await setup(t, { cache: new RedisBackend(cacheName, { url: services.redisUrl, keepStaleFor: '10m' }) })
  const redis = createClient({ url: services.redisUrl })
  await redis.connect()
  t.after(async () => { await redis.close() })

  await viaRequest.send(`${origin.url}/fresh?cc=max-age=60`, { dispatcher })
  await viaRequest.send(`${origin.url}/forever`, { dispatcher })
  await cache.flush()
  const keys = (await redis.keys(`${cacheName}*`)).sort()
  assert.equal(keys.length, 2)
  for (const key of keys) assert.match(key, new RegExp(`^${cacheName}:[0-9a-f]{64}$`), 'one prefix, no "::" or doubled namespace')
  const ttls = (await Promise.all(keys.map(async (key) => redis.pTTL(key)))).sort((a, b) => a - b)
  assert.equal(ttls[0], -1, 'the never-expiring entry has no TTL')
  assert.ok(ttls[1]! > 640_000 && ttls[1]! <= 660_000, `TTL ${ttls[1]!} ms: 60 s fresh + 10 min kept stale`)
})

test('an application\'s own client: used as it is, left open by close(), and the listeners the adapter added are removed', async (t) => {
  if (!await needService(t, 'redis')) return
  const client = createClient({ url: services.redisUrl })
  await client.connect()
  t.after(async () => { await client.close() })
  const listeners = (): number => ['error', 'connect', 'disconnect', 'reconnecting'].reduce((sum, event) => sum + client.listenerCount(event), 0)
  const before = listeners()
  const cache = new RedisBackend(uniqueName(), { client })
  const { origin, dispatcher } = await setup(t, { cache })
  await viaRequest.send(`${origin.url}/own`, { dispatcher })
  assert.equal((await viaRequest.send(`${origin.url}/own`, { dispatcher })).cacheStatus?.hit, true)
  assert.ok(listeners() > before)
  await cache.clear()
  await cache.close()
  assert.equal(client.isOpen, true, 'the application\'s client is still open')
  assert.equal(listeners(), before)
  assert.equal(await client.ping(), 'PONG')
})

test('a key another process deletes between the scan and the read is skipped: entries(), delete() and deleteExpired() go on', async (t) => {
  if (!await needService(t, 'redis')) return
  const cacheName = uniqueName()
  const { origin, dispatcher, cache } = await setup(t, { cache: new RedisBackend(cacheName, { url: services.redisUrl }) })
  const other = new RedisBackend(cacheName, { url: services.redisUrl })
  t.after(async () => other.close())
  for (const path of ['/a', '/b', '/c']) await viaRequest.send(origin.url + path, { dispatcher })
  await cache.flush()
  // The other process deletes /b just after this one's scan has listed it: the adapter then reads it as missing.
  const adapter = (await cache.keyv).store as { mget (keys: string[]): Promise<unknown[]> }
  const mget = adapter.mget.bind(adapter)
  const listedB = `${cacheName}:${keyOfUrl(cache.keyBuilder, `${origin.url}/b`)}`
  adapter.mget = async (keys) => {
    if (keys.includes(listedB)) assert.equal(await other.deleteUrl(`${origin.url}/b`), true)
    return mget(keys)
  }
  const listed = []
  for await (const { url } of cache.entries()) listed.push(url)
  assert.deepEqual(listed.sort(), [`${origin.url}/a`, `${origin.url}/c`])
  await viaRequest.send(`${origin.url}/b`, { dispatcher })
  assert.equal(await cache.delete({ urls: [`${origin.url}/a`] }), 1)
  await viaRequest.send(`${origin.url}/b`, { dispatcher })
  assert.equal(await cache.deleteExpired(), 0)
  assert.equal(origin.count(), 5)
})
