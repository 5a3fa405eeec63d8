/** Items 8 and 9: the memory and SQLite backends, any Keyv store as a backend, and the management basics. */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import KeyvSqlite from '@keyv/sqlite'
import Keyv from 'keyv'
import { CacheBackend, cacheInterceptor, MemoryBackend, SQLiteBackend } from 'undici-client-cache'
import { listUrls, tempDir } from './helpers/backends.js'
import { viaRequest } from './helpers/clients.js'
import { settlesWithin, watchFaults } from './helpers/faults.js'
import { hangingStore } from './helpers/hanging-store.js'
import { hitsAgain } from './helpers/recovery.js'
import { setup } from './helpers/setup.js'
import { Agent } from './helpers/undici.js'

test('memory: bounded by maxEntries, least recently used evicted first', async (t) => {
  const cache = new MemoryBackend({ maxEntries: 2 })
  const { origin, dispatcher } = await setup(t, { cache })
  const get = (path: string): ReturnType<typeof viaRequest.send> => viaRequest.send(origin.url + path, { dispatcher })
  await get('/1')
  await get('/2')
  await get('/1') // hit: /1 is now the most recently used
  await get('/3') // evicts /2
  assert.equal(cache.size, 2)
  assert.equal((await get('/1')).cacheStatus?.hit, true)
  assert.equal((await get('/2')).cacheStatus?.hit, false)
  assert.equal(origin.count(), 4)
})

test('memory: bounded by maxSize in bytes; an entry larger than the whole cache is not kept', async (t) => {
  const cache = new MemoryBackend({ maxSize: 5000 })
  const { origin, dispatcher } = await setup(t, { cache })
  for (const size of [2000, 2000, 2000]) await viaRequest.send(`${origin.url}/s${size}?size=${size}&n=${origin.count()}`, { dispatcher })
  assert.equal(cache.size, 2)
  assert.ok(cache.bytes <= 5000, `${cache.bytes} bytes`)
  await viaRequest.send(`${origin.url}/big?size=6000`, { dispatcher })
  assert.equal(await cache.hasUrl(`${origin.url}/big?size=6000`), false)
  assert.equal(cache.size, 2)
})

test('sqlite: cacheName is the file path, .sqlite appended when it has no extension, ~ expanded, folders created', async (t) => {
  const dir = tempDir()
  const plain = new SQLiteBackend(join(dir, 'nested/deeper/http_cache'))
  const withExtension = new SQLiteBackend(join(dir, 'cache.db'))
  const home = process.env.HOME
  process.env.HOME = dir
  const inHome = new SQLiteBackend('~/.cache/from-home')
  process.env.HOME = home
  t.after(async () => { await Promise.all([plain.close(), withExtension.close(), inHome.close()]) })
  assert.equal(plain.path, join(dir, 'nested/deeper/http_cache.sqlite'))
  assert.equal(withExtension.path, join(dir, 'cache.db'))
  assert.equal(inHome.path, join(dir, '.cache/from-home.sqlite'))
  await Promise.all([plain.keyv, withExtension.keyv, inHome.keyv])
  for (const backend of [plain, withExtension, inHome]) assert.ok(existsSync(backend.path), backend.path)
})

test('sqlite: the file is in WAL mode, and a second connection (as another process would) shares its entries', async (t) => {
  const path = join(tempDir(), 'shared.sqlite')
  const first = await setup(t, { cache: new SQLiteBackend(path) })
  const second = await setup(t, { cache: new SQLiteBackend(path) })
  await viaRequest.send(`${first.origin.url}/shared`, { dispatcher: first.dispatcher })
  await first.cache.flush()
  assert.equal(await second.cache.hasUrl(`${first.origin.url}/shared`), true)
  assert.equal((await viaRequest.send(`${first.origin.url}/shared`, { dispatcher: second.dispatcher })).cacheStatus?.hit, true)
  const sqlite3 = createRequire(import.meta.url)('sqlite3') as typeof import('sqlite3')
  const db = new sqlite3.Database(path)
  const mode = await new Promise<string>((resolve, reject) => db.get('PRAGMA journal_mode', (error: Error | null, row: { journal_mode: string }) => error ? reject(error) : resolve(row.journal_mode)))
  await new Promise((resolve) => db.close(resolve))
  assert.equal(mode, 'wal')
})

test('sqlite: concurrent writers on one file never fail a request', async (t) => {
  const path = join(tempDir(), 'busy.sqlite')
  const worlds = await Promise.all([1, 2, 3].map(async () => setup(t, { cache: new SQLiteBackend(path) })))
  const answers = await Promise.all(worlds.flatMap((world, w) =>
    Array.from({ length: 30 }, (_, i) => viaRequest.send(`${world.origin.url}/w${w}/${i}`, { dispatcher: world.dispatcher }))))
  assert.ok(answers.every((answer) => answer.status === 200))
  await Promise.all(worlds.map(async (world) => world.cache.flush()))
  assert.equal((await listUrls(worlds[0]!.cache)).length, 90)
})

test('a SQLite file that cannot be opened makes every request go to the network', async (t) => {
  const path = join(tempDir(), 'a-directory.sqlite')
  mkdirSync(path)
  const { origin, dispatcher } = await setup(t, { cache: new SQLiteBackend(path) })
  for (let i = 0; i < 2; i++) assert.equal((await viaRequest.send(`${origin.url}/x`, { dispatcher })).status, 200)
  assert.equal(origin.count(), 2)
})

test('any Keyv instance or Keyv store adapter can be the cache', async (t) => {
  const stores: Array<[string, unknown]> = [
    ['a Keyv instance (default JSON serializer)', new Keyv()],
    ['a Map, as a Keyv store', new Map()],
    ['a Keyv store adapter (@keyv/sqlite)', new KeyvSqlite(`sqlite://${join(tempDir(), 'adapter.sqlite')}`)]
  ]
  for (const [name, store] of stores) {
    const body = Buffer.from([0, 1, 2, 255, 254, 0x3a])
    const { origin, dispatcher, cache } = await setup(t, { cache: store as Keyv }, (_req, res) => { res.end(body) })
    await viaRequest.send(`${origin.url}/k`, { dispatcher })
    const hit = await viaRequest.send(`${origin.url}/k`, { dispatcher })
    assert.equal(hit.cacheStatus?.hit, true, name)
    assert.ok(hit.body.equals(body), `${name}: binary body`)
    assert.equal(origin.count(), 1, name)
    assert.deepEqual(await listUrls(cache), [`${origin.url}/k`], name)
  }
})

test('one backend shared by two interceptors: what one stores, the other serves', async (t) => {
  const cache = new MemoryBackend()
  const a = await setup(t, { cache })
  const b = new Agent().compose(cacheInterceptor({ cache }))
  t.after(async () => { await b.close() })
  await viaRequest.send(`${a.origin.url}/one`, { dispatcher: a.dispatcher })
  assert.equal((await viaRequest.send(`${a.origin.url}/one`, { dispatcher: b })).cacheStatus?.hit, true)
  assert.equal(a.origin.count(), 1)
})

test('a store that never answers: requests go to the network once the backend\'s timeout has passed', async (t) => {
  const { origin, dispatcher, cache } = await setup(t, { cache: new CacheBackend(new Keyv(hangingStore().store), { timeout: 100 }) })
  for (let i = 0; i < 3; i++) {
    const answer = await viaRequest.send(`${origin.url}/slow-store`, { dispatcher })
    assert.equal(answer.status, 200)
    assert.equal(answer.text, 'hello GET /slow-store')
  }
  assert.equal(origin.count(), 3)
  await cache.flush() // the hung writes were given up on, so this returns
})

test('a store that hangs is tried again by one request at a time: the others go to the network without waiting on it', async (t) => {
  const hanging = hangingStore()
  const { origin, dispatcher, cache } = await setup(t, { cache: new CacheBackend(new Keyv(hanging.store), { timeout: 300, retryAfter: 50 }) })
  const wave = async (name: string): Promise<void> => {
    const answers = await Promise.all(Array.from({ length: 10 }, async (_, i) => viaRequest.send(`${origin.url}/${name}${i}`, { dispatcher })))
    for (const [i, answer] of answers.entries()) assert.equal(answer.text, `hello GET /${name}${i}`)
  }
  await wave('first') // the store is not known to hang yet: every request tries it, and waits for the timeout
  assert.equal(hanging.reads, 10)
  await sleep(150) // retryAfter has passed
  await wave('second')
  assert.equal(hanging.reads, 11, 'one request tried the store; the other nine did not wait on it')
  assert.equal(origin.count(), 20)
  hanging.hung = false
  await sleep(400) // that try has timed out, and retryAfter has passed
  assert.ok(await hitsAgain(cache, async (path) => viaRequest.send(origin.url + path, { dispatcher })), 'once the store answers, it is used again')
})

test('a store that hangs: a deletion (an invalidation) is given up on after the timeout too, and reported; flush() and close() return', async (t) => {
  const { origin, dispatcher, cache } = await setup(t, { cache: new CacheBackend(new Keyv(hangingStore().store), { timeout: 100 }) })
  const watch = watchFaults(t)
  assert.equal((await viaRequest.send(`${origin.url}/item`, { dispatcher, method: 'DELETE' })).status, 200) // invalidates /item
  assert.ok(await settlesWithin(cache.flush(), 5000), 'flush() returns')
  assert.ok(watch.errors.some((message) => message.operation === 'delete'), 'the deletion that timed out is reported')
  assert.ok(await settlesWithin(cache.close(), 5000), 'close() returns')
  watch.assertClean()
})

test('CacheBackend checks its timeout', () => {
  assert.throws(() => new CacheBackend(new Keyv(), { timeout: 0 }), /^TypeError: CacheBackend: timeout must be .*; got 0$/)
})
