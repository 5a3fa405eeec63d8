/**
 * The memory layer in front of a persistent backend: hits answered from memory, bounded by count, and changes made by
 * another process (here: another backend on the same file) seen once `maxAge` has passed.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import Keyv from 'keyv'
import { CacheBackend, RedisBackend, SQLiteBackend } from 'undici-client-cache'
import { tempDir } from './helpers/backends.js'
import { viaFetch, viaRequest } from './helpers/clients.js'
import { setup } from './helpers/setup.js'

/** A Keyv store (a plain Map) that counts the reads that reach it. */
function countingStore (): { store: Map<string, unknown>, reads: () => number } {
  const store = new Map<string, unknown>()
  let reads = 0
  const get = store.get.bind(store)
  store.get = (key: string) => {
    reads++
    return get(key)
  }
  return { store, reads: () => reads }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

test('hits are answered from memory: the store is read again only after maxAge', async (t) => {
  const { store, reads } = countingStore()
  const { origin, dispatcher } = await setup(t, { cache: new CacheBackend(new Keyv(store), { memoryLayer: { maxAge: '1s' } }) })
  const url = `${origin.url}/hot`
  await viaRequest.send(url, { dispatcher })
  const afterStore = reads()
  for (let i = 0; i < 20; i++) {
    const answer = await viaRequest.send(url, { dispatcher })
    assert.equal(answer.cacheStatus?.hit, true)
    assert.equal(answer.text, 'hello GET /hot')
  }
  assert.equal(reads(), afterStore, 'twenty hits, no read of the store (the write put the entry in memory)')
  await sleep(1100)
  assert.equal((await viaFetch.send(url, { dispatcher })).cacheStatus?.hit, true)
  assert.equal(reads(), afterStore + 1, 'past maxAge: read from the store once, then from memory again')
  assert.equal((await viaFetch.send(url, { dispatcher })).cacheStatus?.hit, true)
  assert.equal(reads(), afterStore + 1)
  assert.equal(origin.count(), 1)
})

test('the layer holds at most maxEntries: the least recently used is read from the store again', async (t) => {
  const { store, reads } = countingStore()
  const { origin, dispatcher } = await setup(t, { cache: new CacheBackend(new Keyv(store), { memoryLayer: { maxEntries: 2, maxAge: '1h' } }) })
  for (const path of ['/a', '/b', '/c']) await viaRequest.send(`${origin.url}${path}`, { dispatcher })
  const before = reads()
  for (const path of ['/b', '/c']) assert.equal((await viaRequest.send(`${origin.url}${path}`, { dispatcher })).cacheStatus?.hit, true)
  assert.equal(reads(), before, '/b and /c are in memory')
  assert.equal((await viaRequest.send(`${origin.url}/a`, { dispatcher })).cacheStatus?.hit, true)
  assert.equal(reads(), before + 1, '/a was evicted from memory, and is read from the store')
  assert.equal(origin.count(), 3)
})

test('changes made through the same backend are seen at once: deleteUrl, an invalidating POST, clear', async (t) => {
  const { origin, dispatcher, cache } = await setup(t, { cache: new SQLiteBackend(join(tempDir(), 'layer.sqlite'), { memoryLayer: { maxAge: '1h' } }) })
  const url = `${origin.url}/item`
  const hit = async (): Promise<boolean | undefined> => (await viaRequest.send(url, { dispatcher })).cacheStatus?.hit
  await hit()
  assert.equal(await hit(), true)
  assert.equal(await cache.deleteUrl(url), true)
  assert.equal(await hit(), false, 'deleted: the next request goes to the origin')
  assert.equal(await hit(), true)
  assert.equal((await viaRequest.send(url, { dispatcher, method: 'POST', body: 'x' })).status, 200)
  assert.equal(await hit(), false, 'invalidated by the POST')
  await cache.flush()
  await cache.clear()
  assert.equal(await hit(), false, 'cleared')
  assert.equal(origin.count(), 5)
})

test('another process\'s deletion is seen after maxAge, not before', async (t) => {
  const path = join(tempDir(), 'shared-layer.sqlite')
  const first = await setup(t, { cache: new SQLiteBackend(path, { memoryLayer: { maxAge: '1s' } }) })
  const second = await setup(t, { cache: new SQLiteBackend(path) })
  const url = `${first.origin.url}/shared`
  await viaRequest.send(url, { dispatcher: first.dispatcher })
  await first.cache.flush()
  assert.equal(await second.cache.deleteUrl(url), true, 'the other process deletes the entry')
  assert.equal((await viaRequest.send(url, { dispatcher: first.dispatcher })).cacheStatus?.hit, true, 'within maxAge: still answered from memory')
  await sleep(1100)
  const after = await viaRequest.send(url, { dispatcher: first.dispatcher })
  assert.equal(after.cacheStatus?.hit, false, 'past maxAge: the deletion is seen')
  assert.equal(first.origin.count(), 2)
})

test('memoryLayer: a wrong value names the option and the value', () => {
  const path = join(tempDir(), 'options.sqlite')
  assert.throws(() => new SQLiteBackend(path, { memoryLayer: 5 as never }), /^TypeError: SQLiteBackend: memoryLayer must be true or an object of \{ maxEntries, maxSize, maxAge \}; got 5$/)
  assert.throws(() => new SQLiteBackend(path, { memoryLayer: { maxEntry: 5 } as never }), /^TypeError: SQLiteBackend: memoryLayer: unknown option "maxEntry"/)
  assert.throws(() => new SQLiteBackend(path, { memoryLayer: { maxEntries: 0 } }), /^TypeError: SQLiteBackend: memoryLayer\.maxEntries must be a positive integer or Infinity; got 0$/)
  assert.throws(() => new SQLiteBackend(path, { memoryLayer: { maxAge: 'soon' } }), /^TypeError: SQLiteBackend: memoryLayer\.maxAge must be a number of seconds/)
  assert.throws(() => new RedisBackend('x', { url: 'redis://127.0.0.1:1', memoryLayer: [] as never }), /^TypeError: RedisBackend: memoryLayer must be true or an object/)
})
