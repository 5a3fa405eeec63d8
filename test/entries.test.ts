/** Item 7: the stored entry: binary-safe, versioned, and an unreadable one is a miss that heals. */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { SQLiteBackend, ENTRY_VERSION, type CacheEntry } from 'undici-client-cache'
import { decodeEntry, encodeEntry } from '#lib/entry.js'
import { tempDir } from './helpers/backends.js'
import { viaRequest } from './helpers/clients.js'
import { setup } from './helpers/setup.js'

const entry: CacheEntry = {
  status: 200,
  statusText: 'OK',
  headers: [['content-type', 'application/octet-stream'], ['set-cookie', 'a=1'], ['set-cookie', 'b=2']],
  body: randomBytes(1000),
  url: 'https://example.com/x?token=REDACTED',
  method: 'GET',
  createdAt: 1_700_000_000_000,
  expiresAt: null,
  requestHeaders: { accept: 'text/html', authorization: null }
}

test('the encoding round-trips every field and every byte', () => {
  const encoded = encodeEntry(entry)
  assert.equal(encoded.subarray(0, 4).toString(), 'UCCE')
  assert.equal(encoded[4], ENTRY_VERSION)
  assert.deepEqual(decodeEntry(encoded), entry)
  assert.deepEqual(decodeEntry(new Uint8Array(encoded)), entry, 'a Uint8Array decodes too')
})

test('anything that is not a current entry decodes to undefined, never throws', () => {
  const encoded = encodeEntry(entry)
  const otherVersion = Buffer.from(encoded)
  otherVersion[4] = ENTRY_VERSION + 1
  const badJson = Buffer.from(encoded)
  badJson[14] = 0xff // (in the JSON header, after the 13-byte prefix)
  const badField = encodeEntry({ ...entry, status: 'x' as unknown as number })
  for (const value of [otherVersion, badJson, badField, encoded.subarray(0, 20), encoded.subarray(0, 6), Buffer.from('garbage'), 'a string', 42, null, {}, { ...entry, body: 'not a buffer' }]) {
    assert.equal(decodeEntry(value), undefined)
  }
})

test('an entry cut short, or with bytes after its body, decodes to undefined: never to a hit with the wrong body', () => {
  const encoded = encodeEntry(entry)
  for (const cut of [1, 10, entry.body.length, entry.body.length + 1]) assert.equal(decodeEntry(encoded.subarray(0, encoded.length - cut)), undefined, `cut by ${cut}`)
  assert.equal(decodeEntry(Buffer.concat([encoded, Buffer.from('x')])), undefined)
  const empty = encodeEntry({ ...entry, body: Buffer.alloc(0) })
  assert.deepEqual(decodeEntry(empty)?.body, Buffer.alloc(0), 'an empty body is a body')
  assert.equal(decodeEntry(empty.subarray(0, empty.length - 1)), undefined)
})

test('sqlite: a corrupt row (written behind the cache\'s back) is a miss, and is overwritten', async (t) => {
  const path = `${tempDir()}/corrupt.sqlite`
  const { origin, dispatcher } = await setup(t, { cache: new SQLiteBackend(path) })
  const url = `${origin.url}/corrupt`
  await viaRequest.send(url, { dispatcher })
  const sqlite3 = createRequire(import.meta.url)('sqlite3') as typeof import('sqlite3')
  const db = new sqlite3.Database(path)
  const run = (sql: string): Promise<void> => new Promise((resolve, reject) => db.run(sql, (error: Error | null) => error ? reject(error) : resolve()))
  for (const value of ["'garbage'", "'123:'", "X'00ff00'", "''", 'NULL']) {
    await run(`UPDATE responses SET value = ${value}`)
    const answer = await viaRequest.send(url, { dispatcher })
    assert.equal(answer.status, 200, value)
    assert.equal(answer.text, 'hello GET /corrupt')
    assert.equal((await viaRequest.send(url, { dispatcher })).cacheStatus?.hit, true, `healed after ${value}`)
  }
  await new Promise((resolve) => db.close(resolve))
  assert.equal(origin.count(), 6)
})

test('sqlite: secrets never reach the file: ignored parameters are redacted, credential headers kept only as digests', async (t) => {
  const path = `${tempDir()}/secrets.sqlite`
  const { origin, dispatcher, cache } = await setup(t, { cache: new SQLiteBackend(path), ignoredParams: ['api_key'], includeHeaders: ['authorization', 'accept'], cacheAuthorized: true }, (_req, res) => {
    res.setHeader('vary', 'Cookie')
    res.end('private data')
  })
  const headers = { authorization: 'Bearer token-alice-123', cookie: 'session=cookie-alice-456', accept: 'text/plain' }
  await viaRequest.send(`${origin.url}/account?api_key=key-alice-789&page=1`, { dispatcher, headers })
  assert.equal((await viaRequest.send(`${origin.url}/account?api_key=other&page=1`, { dispatcher, headers })).cacheStatus?.hit, true)
  await cache.close()
  const sqlite3 = createRequire(import.meta.url)('sqlite3') as typeof import('sqlite3')
  const db = new sqlite3.Database(path)
  const rows = await new Promise<Array<{ key: string, value: Buffer }>>((resolve, reject) => db.all('SELECT key, value FROM responses', (error: Error | null, result: Array<{ key: string, value: Buffer }>) => error ? reject(error) : resolve(result)))
  await new Promise((resolve) => db.close(resolve))
  assert.equal(rows.length, 2, 'the variant (Vary: Cookie) and the index of the URL\'s variants')
  assert.ok(rows.every((row) => Buffer.isBuffer(row.value)), 'entries are stored as BLOBs')
  const stored = Buffer.concat(rows.flatMap((row) => [Buffer.from(row.key), row.value]))
  for (const secret of ['token-alice-123', 'cookie-alice-456', 'key-alice-789']) {
    assert.equal(stored.includes(secret), false, `${secret} was stored`)
  }
  const text = stored.toString('latin1')
  assert.match(text, /api_key=REDACTED/)
  assert.match(text, /"authorization":"sha256:[0-9a-f]{64}"/)
  assert.match(text, /"cookie":"sha256:[0-9a-f]{64}"/)
  assert.match(text, /"accept":"text\/plain"/)
})
