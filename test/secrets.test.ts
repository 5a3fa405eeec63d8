/**
 * Secrets: requests with `Authorization` take part in the cache only with `cacheAuthorized`; ignored headers do not
 * split keys and are stored redacted; secret headers are stored only as digests; and no secret a request carried
 * reaches the bytes of a SQLite file or of Redis.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { createClient } from '@keyv/redis'
import { cacheInterceptor, SQLiteBackend, type CacheBackend, type CacheOptions } from 'undici-client-cache'
import { allBackendCases, available, backendCases, tempDir, uniqueName } from './helpers/backends.js'
import { viaFetch, viaRequest, type Answer } from './helpers/clients.js'
import type { Route } from './helpers/origin.js'
import { services } from './helpers/services.js'
import { setup, type World } from './helpers/setup.js'
import { storedResponse } from './helpers/stored.js'

/** Answers `account #<n>` (n counting its answers; never anything the request carried), fresh for a minute, with `headers`. */
function account (headers: Record<string, string> = {}): Route {
  let answered = 0
  return (_req, res) => {
    res.setHeader('cache-control', 'max-age=60')
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    res.end(`account #${++answered}`)
  }
}

const bearer = (user: string): Record<string, string> => ({ authorization: `Bearer token-of-${user}` })

/** A world serving {@link account} at `url`, and a `send` of a GET of it with the given headers. */
async function accountWorld (t: TestContext, options: CacheOptions, headers?: Record<string, string>): Promise<World & { url: string, send (headers?: Record<string, string>): Promise<Answer> }> {
  const world = await setup(t, options, account(headers))
  const url = `${world.origin.url}/account`
  return { ...world, url, send: async (sent = {}) => viaRequest.send(url, { dispatcher: world.dispatcher, headers: sent }) }
}

const AUTHORIZATION_BYPASS = { hit: false, fwd: 'bypass', detail: 'authorization' }

for (const backend of backendCases) {
  describe(`${backend.name}: Authorization and cacheAuthorized`, () => {
    for (const consumer of [viaRequest, viaFetch]) {
      test(`${consumer.name}: by default a request with Authorization bypasses the cache: not stored, not read`, async (t) => {
        const { origin, dispatcher, cache } = await setup(t, { cache: backend.make() }, account())
        const send = (headers: Record<string, string> = {}): Promise<Answer> => consumer.send(`${origin.url}/account`, { dispatcher, headers })
        const answers = [await send(bearer('alice')), await send(bearer('alice'))]
        assert.deepEqual(answers.map((answer) => [answer.text, answer.cacheStatus]), [['account #1', AUTHORIZATION_BYPASS], ['account #2', AUTHORIZATION_BYPASS]])
        await cache.flush()
        assert.equal(await cache.hasUrl(`${origin.url}/account`, { headers: bearer('alice') }), false)
        assert.deepEqual((await send()).cacheStatus, { hit: false, fwd: 'uri-miss', stored: true, ttl: 60 }, 'a request without credentials is cached as usual')
      })
    }

    test('a stored entry is never read for a request with Authorization, even one whose key it shares', async (t) => {
      // (Authorization left out of the key: the anonymous entry is under the very key an authorized request has.)
      const { send } = await accountWorld(t, { cache: backend.make(), ignoredParams: ['Authorization'] })
      assert.equal((await send()).cacheStatus?.stored, true)
      const authorized = await send(bearer('bob'))
      assert.equal(authorized.text, 'account #2')
      assert.deepEqual(authorized.cacheStatus, AUTHORIZATION_BYPASS)
    })

    for (const [name, headers] of [['keyed on the token', {}], ['Vary: Authorization', { vary: 'Authorization' }]] as const) {
      test(`cacheAuthorized: true (${name}): a user's repeat is a hit, another user's token a miss`, async (t) => {
        const { send, origin } = await accountWorld(t, { cache: backend.make(), cacheAuthorized: true }, headers)
        const texts: string[] = []
        for (const user of ['alice', 'alice', 'bob', 'bob', 'alice']) texts.push((await send(bearer(user))).text)
        texts.push((await send()).text)
        assert.deepEqual(texts, ['account #1', 'account #1', 'account #2', 'account #2', 'account #1', 'account #3'])
        assert.equal(origin.count(), 3)
      })
    }
  })

  describe(`${backend.name}: ignored headers and secret headers in what is stored`, () => {
    test('a header listed in ignoredParams does not split the key: left out with includeHeaders: true, REDACTED under Vary', async (t) => {
      for (const [options, headers] of [[{ includeHeaders: true }, {}], [{}, { vary: 'X-Api-Key' }]] as const) {
        const settings: CacheOptions = { ...options, cache: backend.make(), ignoredParams: ['X-Api-Key'] }
        const { cache, send, url } = await accountWorld(t, settings, headers)
        const sent = { accept: 'text/plain', 'x-api-key': 'key-one' }
        assert.equal((await send(sent)).text, 'account #1')
        const other = await send({ ...sent, 'x-api-key': 'key-two' })
        assert.equal(other.text, 'account #1', `another value, the same entry (${JSON.stringify(options)})`)
        assert.equal(other.cacheStatus?.hit, true)
        await cache.flush()
        const stored = await storedResponse(cache, settings, url, { headers: sent })
        assert.deepEqual(stored?.requestHeaders, headers.vary === undefined ? { accept: 'text/plain' } : { 'x-api-key': 'REDACTED' })
      }
    })

    test('secret headers are matched on, and stored only as SHA-256 digests', async (t) => {
      const secretHeaders = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key', 'x-api-token', 'x-auth-token', 'x-access-token', 'api-key', 'x-goog-api-key', 'private-token']
      const settings: CacheOptions = { cache: backend.make(), cacheAuthorized: true, includeHeaders: [...secretHeaders, 'accept'] }
      const { cache, send, url } = await accountWorld(t, settings)
      const sent = Object.fromEntries([...secretHeaders.map((name) => [name, `secret-${name}-value`]), ['accept', 'text/plain']])
      await send(sent)
      assert.equal((await send(sent)).cacheStatus?.hit, true)
      assert.equal((await send({ ...sent, 'x-api-token': 'another' })).cacheStatus?.hit, false, 'each is part of the key')
      await cache.flush()
      const stored = await storedResponse(cache, settings, url, { headers: sent })
      assert.equal(stored?.requestHeaders.accept, 'text/plain')
      for (const name of secretHeaders) assert.match(String(stored.requestHeaders[name]), /^sha256:[0-9a-f]{64}$/, name)
    })
  })
}

test('cacheAuthorized must be true or false', () => {
  assert.throws(() => cacheInterceptor({ cacheAuthorized: 1 as unknown as boolean }), { name: 'TypeError', message: 'cacheAuthorized must be true or false; got 1' })
})

/** The secrets one user's requests carry: a bearer token, a session cookie, an API key header and an API key parameter. */
const SECRETS = ['tok-alice-7f3a9c51', 'cookie-alice-2b8e4107', 'xkey-alice-c0d5e6a2', 'qkey-alice-91fa07d3']
const [TOKEN, COOKIE, API_KEY, QUERY_KEY] = SECRETS as [string, string, string, string]

/**
 * Stores what the secrets' owner and another user request, with the credentials both in the key and in the response's
 * Vary, and the API key parameter ignored; checks the entries still work: a repeat is a hit, another token a miss.
 */
async function storeSecrets (t: TestContext, cache: CacheBackend): Promise<void> {
  const options: CacheOptions = { cache, cacheAuthorized: true, includeHeaders: ['authorization', 'x-api-key'], ignoredParams: ['api_key'] }
  const { origin, dispatcher } = await setup(t, options, account({ vary: 'Authorization, Cookie' }))
  const url = `${origin.url}/account?api_key=${QUERY_KEY}&page=1`
  const alice = { authorization: `Bearer ${TOKEN}`, cookie: `session=${COOKIE}`, 'x-api-key': API_KEY }
  const send = async (headers: Record<string, string>): Promise<Answer> => viaRequest.send(url, { dispatcher, headers })
  assert.deepEqual((await send(alice)).cacheStatus, { hit: false, fwd: 'uri-miss', stored: true, ttl: 60 })
  assert.equal((await send(alice)).cacheStatus?.hit, true)
  const bob = await send({ ...alice, authorization: 'Bearer tok-bob-4d2c88e0' })
  assert.equal(bob.text, 'account #2')
  assert.equal(bob.cacheStatus?.hit, false)
  assert.equal(origin.count(), 2)
  await cache.flush()
}

/** The text of `bytes`, and of every base64 run in it decoded (Redis holds entries as base64). */
function readings (bytes: Buffer): string[] {
  const text = bytes.toString('latin1')
  return [text, ...(text.match(/[A-Za-z0-9+/]{16,}={0,2}/g) ?? []).map((run) => Buffer.from(run, 'base64').toString('latin1'))]
}

/** `bytes` hold the stored entries in a readable form (the redacted URL), and none of the secrets. */
function assertNoSecrets (bytes: Buffer, where: string): void {
  const texts = readings(bytes)
  assert.ok(texts.some((text) => text.includes('api_key=REDACTED&page=1')), `the entries are readable in ${where}`)
  for (const secret of SECRETS) assert.equal(texts.some((text) => text.includes(secret)), false, `${secret} found in ${where}`)
}

/** The names of the database's files (the file, and its -wal and -shm while they exist), and all their bytes. */
function databaseFiles (path: string): { names: string[], bytes: Buffer } {
  const dir = dirname(path)
  const names = readdirSync(dir).sort()
  return { names, bytes: Buffer.concat(names.map((name) => readFileSync(join(dir, name)))) }
}

test('sqlite: the database file and its WAL hold no secret, before and after closing', async (t) => {
  const cache = new SQLiteBackend(join(tempDir(), 'secrets'))
  await storeSecrets(t, cache)
  const flushed = databaseFiles(cache.path)
  assert.deepEqual(flushed.names, ['secrets.sqlite', 'secrets.sqlite-shm', 'secrets.sqlite-wal'], 'the writes are in the WAL by now')
  assertNoSecrets(flushed.bytes, 'the database file and its WAL')
  await cache.close()
  const closed = databaseFiles(cache.path)
  assert.deepEqual(closed.names, ['secrets.sqlite'], 'closing moved the WAL into the file')
  assertNoSecrets(closed.bytes, 'the database file, closed')
})

test('redis: no key and no value holds a secret', async (t) => {
  const redis = allBackendCases.find((backend) => backend.name === 'redis')!
  if (!await available(t, redis)) return
  const cacheName = uniqueName()
  const cache = redis.make(cacheName)
  await storeSecrets(t, cache)
  const client = createClient({ url: services.redisUrl })
  await client.connect()
  t.after(async () => { await client.close() })
  const keys = await client.keys(`${cacheName}:*`)
  assert.equal(keys.length, 4, 'for each user: the index of the variants (Vary) and the variant')
  const values = await Promise.all(keys.map(async (key) => client.get(key)))
  assertNoSecrets(Buffer.from([...keys, ...values].join('\n')), 'Redis')
  await cache.clear()
})
