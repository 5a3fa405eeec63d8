/** What the cache reports: diagnostics channels for hits, misses, stores, revalidations and store errors; the debug log. */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { describe, test, type TestContext } from 'node:test'
import { promisify } from 'node:util'
import { CHANNEL_NAMES, RedisBackend } from 'undici-client-cache'
import { backendCases } from './helpers/backends.js'
import { viaFetch, viaRequest } from './helpers/clients.js'
import { echoWithEtag } from './helpers/origin.js'
import { setup } from './helpers/setup.js'

type Name = keyof typeof CHANNEL_NAMES
interface Heard { channel: Name, message: Record<string, unknown> }

/** Every message published on the cache's channels during the test, in order. */
function listen (t: TestContext): Heard[] {
  const heard: Heard[] = []
  for (const channel of Object.keys(CHANNEL_NAMES) as Name[]) {
    const listener = (message: unknown): void => { heard.push({ channel, message: message as Record<string, unknown> }) }
    subscribe(CHANNEL_NAMES[channel], listener)
    t.after(() => unsubscribe(CHANNEL_NAMES[channel], listener))
  }
  return heard
}


for (const backend of backendCases) {
  describe(backend.name, () => {
    test('a miss, its store, a hit and a revalidation are published with key, URL (secrets redacted) and timings', async (t) => {
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make(), ignoredParams: ['token'] }, echoWithEtag)
      const heard = listen(t)
      const url = `${origin.url}/item?token=secret`
      await viaRequest.send(url, { dispatcher })
      await cache.flush()
      await viaFetch.send(url, { dispatcher })
      await viaRequest.send(`${origin.url}/stale?cc=max-age=0`, { dispatcher })
      await cache.flush()
      await viaRequest.send(`${origin.url}/stale?cc=max-age=0`, { dispatcher })
      await cache.flush()
      const stored = `${origin.url}/item?token=REDACTED`
      const staleUrl = `${origin.url}/stale?cc=max-age%3D0`
      assert.deepEqual(heard.map(({ channel, message }) => [channel, message.url]), [
        ['miss', stored], ['store', stored], ['hit', stored],
        ['miss', staleUrl], ['store', staleUrl], ['miss', staleUrl], ['revalidate', staleUrl], ['store', staleUrl]
      ])
      const [miss, store, hit] = heard.map(({ message }) => message)
      assert.equal(miss!.reason, 'uri-miss')
      assert.equal(heard[5]!.message.reason, 'stale')
      assert.equal(heard[6]!.message.status, 304)
      assert.equal(store!.status, 200)
      assert.ok((store!.size as number) > 0)
      assert.equal(store!.expiresAt, null)
      assert.deepEqual([hit!.method, hit!.status, hit!.stale], ['GET', 200, false])
      for (const { message } of heard) {
        assert.match(message.key as string, /^[0-9a-f]{64}$/)
        assert.ok(typeof message.duration === 'number' && message.duration >= 0)
        assert.doesNotMatch(JSON.stringify(message), /secret/)
      }
      assert.equal(miss!.key, hit!.key)
    })
  })
}

test('a store that fails is reported on the error channel and counted; the request still succeeds', async (t) => {
  const heard = listen(t)
  const { origin, dispatcher, cache } = await setup(t, { cache: new RedisBackend('nobody', { url: 'redis://127.0.0.1:1', timeout: 200 }) })
  const answer = await viaRequest.send(`${origin.url}/a`, { dispatcher })
  assert.equal(answer.status, 200)
  assert.equal(answer.text, 'hello GET /a')
  const errors = heard.filter(({ channel }) => channel === 'error').map(({ message }) => message)
  assert.ok(errors.length >= 1, 'reported')
  assert.equal(errors[0]!.operation, 'read')
  assert.ok(errors[0]!.error instanceof Error)
  assert.equal(cache.counters.errors, errors.length)
})

test('NODE_DEBUG=undici-client-cache logs hits, misses and stores on stderr', async () => {
  const script = `
    import { Agent, request } from 'undici'
    import { cacheInterceptor } from 'undici-client-cache'
    import { createServer } from 'node:http'
    const server = createServer((req, res) => res.end('x')).listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    const interceptor = cacheInterceptor()
    const dispatcher = new Agent().compose(interceptor)
    for (let i = 0; i < 2; i++) await (await request('http://127.0.0.1:' + server.address().port + '/logged?api_key=k', { dispatcher })).body.text()
    await interceptor.cache.close(); await dispatcher.close(); server.close()`
  const { stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_DEBUG: 'undici-client-cache' } })
  assert.match(stderr, /UNDICI-CLIENT-CACHE \d+: miss GET http:\/\/127\.0\.0\.1:\d+\/logged\?api_key=k \(uri-miss\)/)
  assert.match(stderr, /UNDICI-CLIENT-CACHE \d+: stored GET .*\/logged.*: \d+ bytes, no expiry/)
  assert.match(stderr, /UNDICI-CLIENT-CACHE \d+: hit GET .*\/logged.* \(fresh, [\d.]+ ms\)/)
})
