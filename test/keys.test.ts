/** Item 2: what the cache key is made of. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cacheInterceptor, MemoryBackend } from 'undici-client-cache'
import { KeyBuilder } from '#lib/key.js'
import { viaFetch, viaRequest } from './helpers/clients.js'
import { startOrigin } from './helpers/origin.js'
import { loopbackAgent } from './helpers/loopback.js'
import { setup } from './helpers/setup.js'
import type { Dispatcher } from 'undici'
import { Agent, request } from './helpers/undici.js'

async function get (url: string, dispatcher: Dispatcher, init: Record<string, unknown> = {}): Promise<string> {
  const res = await request(url, { dispatcher, ...init } as Parameters<typeof request>[1])
  return res.body.text()
}

test('requests that differ only in an ignored parameter share one entry; the stored URL has it redacted', async (t) => {
  const { origin, dispatcher, cache } = await setup(t, { ignoredParams: ['token'] })
  await get(`${origin.url}/p?q=1&token=secret-a`, dispatcher)
  await get(`${origin.url}/p?token=secret-b&q=1`, dispatcher)
  await get(`${origin.url}/p?q=1`, dispatcher)
  assert.equal(origin.count(), 1)
  const urls = []
  for await (const url of cache.urls()) urls.push(url)
  assert.deepEqual(urls, [`${origin.url}/p?q=1&token=REDACTED`])
})

test('an ignored parameter does not merge requests that differ in another parameter', async (t) => {
  const { origin, dispatcher } = await setup(t, { ignoredParams: ['token'] })
  await get(`${origin.url}/p?q=1&token=a`, dispatcher)
  await get(`${origin.url}/p?q=2&token=a`, dispatcher)
  assert.equal(origin.count(), 2)
})

test('different parameter values, duplicates, paths, methods and bodies are different entries', async (t) => {
  const { origin, dispatcher } = await setup(t, { allowedMethods: ['GET', 'HEAD', 'POST'] })
  const variants: Array<[string, Record<string, unknown>]> = [
    ['/p?a=1', {}], ['/p?a=2', {}], ['/p?a=1&a=2', {}], ['/q?a=1', {}],
    ['/h?a=1', { method: 'HEAD' }], ['/post?a=1', { method: 'POST', body: 'x' }], ['/post?a=1', { method: 'POST', body: 'y' }],
    ['/post?a=1', { method: 'POST' }]
  ]
  for (const [path, init] of variants) await get(origin.url + path, dispatcher, init)
  assert.equal(origin.count(), variants.length)
  for (const [path, init] of variants) await get(origin.url + path, dispatcher, init)
  assert.equal(origin.count(), variants.length, 'every variant is then a hit')
})

test('URL spellings of the same resource share a key: query order, case of scheme and host, empty query, fragment, dot segments', async (t) => {
  const { origin, dispatcher } = await setup(t)
  const port = new URL(origin.url).port
  await get(`http://127.0.0.1:${port}/dir/p?b=2&a=1&a=0`, dispatcher)
  for (const url of [`HTTP://127.0.0.1:${port}/dir/p?a=0&a=1&b=2`, `http://127.0.0.1:${port}/dir/x/../p?a=1&b=2&a=0#frag`]) {
    const res = await viaFetch.send(url, { dispatcher })
    assert.equal(res.cacheStatus?.hit, true, url)
  }
  assert.equal(origin.count(), 1)
})

test('undici request()\'s query option keys like the same parameters in the path', async (t) => {
  const { origin, dispatcher } = await setup(t)
  await get(`${origin.url}/p?a=1&b=2`, dispatcher)
  await get(`${origin.url}/p`, dispatcher, { query: { b: 2, a: 1 } })
  assert.equal(origin.count(), 1)
  await get(`${origin.url}/p`, dispatcher, { query: { a: 1, b: 3 } })
  assert.equal(origin.count(), 2)
})

test('includeHeaders: listed request headers are part of the key, other headers are not', async (t) => {
  const { origin, dispatcher } = await setup(t, { includeHeaders: ['Accept-Language'] })
  const send = (headers: Record<string, string>): Promise<unknown> => viaRequest.send(`${origin.url}/i`, { dispatcher, headers })
  await send({ 'accept-language': 'en', 'user-agent': 'a' })
  await send({ 'Accept-Language': 'en', 'user-agent': 'b' })
  assert.equal(origin.count(), 1)
  await send({ 'accept-language': 'fr' })
  await send({})
  assert.equal(origin.count(), 3)
})

test('includeHeaders: true keys on every request header, except ignored ones', async (t) => {
  const { origin, dispatcher } = await setup(t, { includeHeaders: true, ignoredParams: ['x-request-id'] })
  const send = (headers: Record<string, string>): Promise<unknown> => viaRequest.send(`${origin.url}/i`, { dispatcher, headers })
  await send({ 'x-a': '1', 'x-request-id': 'one' })
  await send({ 'x-a': '1', 'x-request-id': 'two' })
  assert.equal(origin.count(), 1)
  await send({ 'x-a': '2' })
  assert.equal(origin.count(), 2)
})

test('credentials are part of the key: two users never share an entry, one user\'s repeat is a hit', async (t) => {
  const { origin, dispatcher } = await setup(t, { cacheAuthorized: true })
  const send = (headers: Record<string, string>): Promise<unknown> => viaRequest.send(`${origin.url}/me`, { dispatcher, headers })
  await send({ authorization: 'Bearer alice' })
  await send({ authorization: 'Bearer alice' })
  await send({ authorization: 'Bearer bob' })
  await send({ cookie: 'session=alice' })
  await send({ cookie: 'session=bob' })
  await send({})
  assert.equal(origin.count(), 5)
})

test('listing a credential header in ignoredParams lets requests share entries whatever its value', async (t) => {
  const { origin, dispatcher } = await setup(t, { ignoredParams: ['Authorization'], cacheAuthorized: true })
  for (const user of ['alice', 'bob']) await viaRequest.send(`${origin.url}/shared`, { dispatcher, headers: { authorization: `Bearer ${user}` } })
  assert.equal(origin.count(), 1)
})

test('keyFn replaces the key: here, the URL without its query', async (t) => {
  const { origin, dispatcher, cache } = await setup(t, { keyFn: (request) => request.method + ' ' + request.url.split('?')[0] })
  await get(`${origin.url}/k?v=1`, dispatcher)
  assert.equal(await get(`${origin.url}/k?v=2`, dispatcher), 'hello GET /k?v=1')
  assert.equal(origin.count(), 1)
  assert.equal(await cache.hasUrl(`${origin.url}/k?anything`), true)
})

test('a keyFn that throws makes the request bypass the cache, not fail', async (t) => {
  const { origin, dispatcher } = await setup(t, { keyFn: () => { throw new Error('bad key function') } })
  const res = await viaRequest.send(`${origin.url}/k`, { dispatcher })
  assert.equal(res.status, 200)
  assert.deepEqual(res.cacheStatus, { hit: false, fwd: 'bypass', detail: 'key' })
})

test('hasUrl and deleteUrl use the interceptor\'s key rules', async (t) => {
  const backend = new MemoryBackend()
  const origin = await startOrigin()
  const dispatcher = new Agent().compose(cacheInterceptor({ cache: backend, ignoredParams: ['api_key'] }))
  t.after(async () => { await dispatcher.close(); await origin.close() })
  await get(`${origin.url}/h?b=1&a=2&api_key=x`, dispatcher)
  assert.equal(await backend.hasUrl(`${origin.url}/h?a=2&b=1`), true)
  assert.equal(await backend.hasUrl(`${origin.url}/h?a=2&b=1`, { method: 'HEAD' }), false)
  assert.equal(await backend.hasUrl(`${origin.url}/h?a=2`), false)
  assert.equal(await backend.deleteUrl(`${origin.url}/h?api_key=y&a=2&b=1`), true)
  assert.equal(await backend.hasUrl(`${origin.url}/h?a=2&b=1`), false)
})

test('URL normalization vectors', () => {
  const keys = new KeyBuilder({ ignoredParams: ['token'], includeHeaders: false, keyFn: undefined })
  const norm = (url: string): string => keys.normalizeUrl(new URL(url))
  assert.equal(norm('HTTPS://Example.COM:443/a/./b/../c?z=1&a=2&a=1#top'), 'https://example.com/a/c?a=1&a=2&z=1')
  assert.equal(norm('http://example.com:80'), 'http://example.com/')
  assert.equal(norm('http://example.com:8080/?'), 'http://example.com:8080/')
  assert.equal(norm('http://example.com/?token=1'), 'http://example.com/')
  assert.equal(keys.normalizeUrl(new URL('http://example.com/?token=1&b=2'), true), 'http://example.com/?b=2&token=REDACTED')
  assert.notEqual(norm('http://example.com/?a=1'), norm('http://example.com/?a=1&a=1'))
})

test('keys are SHA-256 hex and unambiguous: crafted values cannot make two requests collide', () => {
  const keys = new KeyBuilder({ ignoredParams: [], includeHeaders: true, keyFn: undefined })
  const keyOf = (method: string, url: string, headers: Record<string, string>, body?: string): string =>
    keys.keyOf({ method, url, headers, body: body === undefined ? undefined : Buffer.from(body) }, new URL(url))
  const a = keyOf('GET', 'http://x/a', { h: '1' })
  assert.match(a, /^[0-9a-f]{64}$/)
  assert.notEqual(keyOf('GET', 'http://x/a', { h: '1","x' }), keyOf('GET', 'http://x/a', { h: '1', x: '' }))
  assert.notEqual(keyOf('POST', 'http://x/a', {}, 'ab'), keyOf('POST', 'http://x/a', {}, 'a'))
  assert.equal(keyOf('GET', 'http://x/a', { h: '1' }), a)
})

test('a path that looks like another host (//other/x) stays a path on its own origin: no entry is shared across origins', async (t) => {
  const origin = await startOrigin()
  const port = new URL(origin.url).port
  const dispatcher = loopbackAgent().compose(cacheInterceptor())
  t.after(async () => { await dispatcher.close(); await origin.close() })
  const tricky = await dispatcher.request({ origin: `http://a.test:${port}`, path: `//b.test:${port}/x`, method: 'GET' })
  await tricky.body.text()
  const honest = await viaRequest.send(`http://b.test:${port}/x`, { dispatcher })
  assert.equal(honest.cacheStatus?.hit, false)
  assert.equal(origin.count(), 2)
})
