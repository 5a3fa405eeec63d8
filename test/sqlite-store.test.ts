/**
 * SQLiteBackend's store: writes that arrive together are committed together, in order; entries are BLOBs; a table
 * made by @keyv/sqlite (an earlier version of this package) is taken as it is.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import KeyvSqlite from '@keyv/sqlite'
import Keyv from 'keyv'
import { SQLiteBackend, type CacheEntry } from 'undici-client-cache'
import { tempDir } from './helpers/backends.js'
import { viaRequest } from './helpers/clients.js'
import { setup } from './helpers/setup.js'
import { rowsOf } from './helpers/sqlite-file.js'

function entry (text: string): CacheEntry {
  const body = Buffer.from(text)
  return {
    status: 200,
    statusText: 'OK',
    headers: [['content-length', String(body.length)]],
    body,
    url: `http://example.test/${text}`,
    method: 'GET',
    createdAt: Date.now(),
    expiresAt: null,
    requestHeaders: {}
  }
}

test('sqlite: 2,000 writes started together are all committed, as BLOBs, and read back', async (t) => {
  const path = join(tempDir(), 'batch.sqlite')
  const cache = new SQLiteBackend(path)
  t.after(async () => cache.close())
  const keys = Array.from({ length: 2000 }, (_, i) => `key-${String(i).padStart(4, '0')}`)
  await Promise.all(keys.map(async (key) => cache.set(key, entry(key))))
  const stored = await rowsOf(path)
  assert.equal(stored.length, 2000)
  assert.ok(stored.every((row) => Buffer.isBuffer(row.value)))
  for (const key of ['key-0000', 'key-1234', 'key-1999']) assert.equal((await cache.get(key))?.body.toString(), key)
})

test('sqlite: changes of one key in one turn apply in order (write, delete, write; write, write; write, delete)', async (t) => {
  const cache = new SQLiteBackend(join(tempDir(), 'order.sqlite'))
  t.after(async () => cache.close())
  const changes = [
    cache.set('a', entry('a1')), cache.delete('a'), cache.set('a', entry('a2')),
    cache.set('b', entry('b1')), cache.set('b', entry('b2')),
    cache.set('c', entry('c1')), cache.delete('c')
  ]
  await Promise.all(changes)
  assert.equal((await cache.get('a'))?.body.toString(), 'a2')
  assert.equal((await cache.get('b'))?.body.toString(), 'b2')
  assert.equal(await cache.get('c'), undefined)
  assert.equal(await changes[1], true, 'the delete found the write before it')
})

test('sqlite: a table made by @keyv/sqlite (TEXT values) is used as it is; its old text rows are misses, then overwritten', async (t) => {
  const path = join(tempDir(), 'from-keyv-sqlite.sqlite')
  const old = new Keyv(new KeyvSqlite({ uri: `sqlite://${path}`, table: 'responses' }))
  await old.set('left-over', 'a value in the old text format')
  await old.disconnect()
  const { origin, dispatcher, cache } = await setup(t, { cache: new SQLiteBackend(path) })
  assert.equal(await cache.get('left-over'), undefined)
  const url = `${origin.url}/item`
  assert.equal((await viaRequest.send(url, { dispatcher })).cacheStatus?.hit, false)
  assert.equal((await viaRequest.send(url, { dispatcher })).cacheStatus?.hit, true)
  assert.equal(await cache.deleteExpired(), 1, 'the unreadable old row is deleted')
  assert.deepEqual((await rowsOf(path)).map((row) => Buffer.isBuffer(row.value)), [true])
  assert.equal(origin.count(), 1)
})
