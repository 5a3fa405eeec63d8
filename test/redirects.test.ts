/**
 * Redirects. Outside undici's redirect interceptor, the cache sees one request per chain: the final response is stored
 * under the first URL, with an alias for each same-origin hop. Inside it (or under fetch, which follows redirects
 * itself), each hop is a request of its own, stored or not by its own status.
 */
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { cacheInterceptor, type CacheBackend, type CacheInterceptor, type CacheOptions } from 'undici-client-cache'
import type { Dispatcher } from 'undici'
import { backendCases, listUrls } from './helpers/backends.js'
import { viaFetch, viaRequest, type Answer, type Consumer } from './helpers/clients.js'
import { startOrigin, type Origin, type Route } from './helpers/origin.js'
import { Agent, interceptors } from './helpers/undici.js'

interface Hop {
  status: number
  location: string
  headers?: Record<string, string>
}

/** Answers the paths in `hops` with their redirect (no body), and any other path with `final body`, max-age=60. */
function chain (hops: Record<string, Hop>): Route {
  return (req, res) => {
    const hop = hops[req.url ?? '/']
    if (hop === undefined) {
      res.setHeader('cache-control', 'max-age=60')
      res.end('final body')
      return
    }
    res.statusCode = hop.status
    res.setHeader('location', hop.location)
    for (const [name, value] of Object.entries(hop.headers ?? {})) res.setHeader(name, value)
    res.end()
  }
}

/** /a → 301 → /b → 302 → /final, the 302 with `headers`. */
const aToFinal = (headers?: Record<string, string>): Route => chain({ '/a': { status: 301, location: '/b' }, '/b': { status: 302, location: '/final', headers } })

type Compose = (cache: CacheInterceptor) => Dispatcher
const follow = (): Dispatcher.DispatcherComposeInterceptor => interceptors.redirect({ maxRedirections: 5 })
/** In `compose(a, b)`, b is the outermost: the cache sees the request before the redirect interceptor does. */
const cacheOutside: Compose = (cache) => new Agent().compose(follow(), cache)

interface Redirecting {
  origin: Origin
  cache: CacheBackend
  /** Sends a GET of a path of the origin, or of an absolute URL. */
  send (path: string, headers?: Record<string, string>): Promise<Answer>
}

async function redirecting (t: TestContext, compose: Compose, options: CacheOptions, route: Route, consumer: Consumer = viaRequest): Promise<Redirecting> {
  const origin = await startOrigin(route)
  const interceptor = cacheInterceptor(options)
  const dispatcher = compose(interceptor)
  t.after(async () => {
    await Promise.allSettled([interceptor.cache.close(), dispatcher.close(), origin.close()])
  })
  const send = (path: string, headers?: Record<string, string>): Promise<Answer> =>
    consumer.send(path.startsWith('http') ? path : `${origin.url}${path}`, { dispatcher, headers })
  return { origin, cache: interceptor.cache, send }
}

const paths = (origin: Origin): string[] => origin.requests.map((request) => request.url)

function assertFinal (answer: Answer): void {
  assert.equal(answer.status, 200)
  assert.equal(answer.text, 'final body')
}

const stored = { hit: false, fwd: 'uri-miss', stored: true, ttl: 60 }

for (const backend of backendCases) {
  test(`${backend.name}: cache outside: the chain is stored under /a, and /a, /b and /final are then hits`, async (t) => {
    const { origin, cache, send } = await redirecting(t, cacheOutside, { cache: backend.make() }, aToFinal())
    const first = await send('/a')
    assertFinal(first)
    assert.deepEqual(first.cacheStatus, stored)
    assert.deepEqual(paths(origin), ['/a', '/b', '/final'])
    for (const path of ['/a', '/b', '/final']) {
      const answer = await send(path)
      assertFinal(answer)
      assert.equal(answer.cacheStatus?.hit, true, `${path} is a hit`)
    }
    assert.equal(origin.count(), 3)
    assert.deepEqual(await listUrls(cache), [`${origin.url}/a`], 'one response; the aliases are not listed')
  })
}

test('cache outside: the aliases die with their target', async (t) => {
  const { origin, cache, send } = await redirecting(t, cacheOutside, {}, aToFinal())
  await send('/a')
  assert.equal(await cache.deleteUrl(`${origin.url}/a`), true)
  // only-if-cached: a miss is a 504, without the network.
  for (const path of ['/a', '/b', '/final']) assert.equal((await send(path, { 'cache-control': 'only-if-cached' })).status, 504, `${path} is a miss`)
  assert.equal(origin.count(), 3)
  const again = await send('/b')
  assertFinal(again)
  assert.equal(again.cacheStatus?.hit, false)
  assert.deepEqual(paths(origin).slice(3), ['/b', '/final'])
})

for (const [name, headers] of [['Cache-Control: no-store', { 'cache-control': 'no-store' }], ['Vary: *', { vary: '*' }]] as const) {
  test(`cache outside: a hop whose response has ${name} keeps the chain from being stored`, async (t) => {
    const { origin, cache, send } = await redirecting(t, cacheOutside, {}, aToFinal(headers))
    for (let i = 0; i < 2; i++) {
      const answer = await send('/a')
      assertFinal(answer)
      assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'uri-miss', detail: 'redirect' })
    }
    assert.equal((await send('/final')).cacheStatus?.hit, false, 'no alias either')
    assert.equal(origin.count(), 7)
    assert.deepEqual(await listUrls(cache), [`${origin.url}/final`], 'only /final, requested on its own')
  })
}

test('cache outside: a hop to another origin gets no alias', async (t) => {
  const other = await startOrigin(chain({ '/b': { status: 302, location: '/final' } }))
  t.after(() => other.close())
  const { origin, send } = await redirecting(t, cacheOutside, {}, chain({ '/a': { status: 301, location: `${other.url}/b` } }))
  assert.deepEqual((await send('/a')).cacheStatus, stored)
  assert.equal((await send('/a')).cacheStatus?.hit, true)
  assert.deepEqual([origin.count(), other.count()], [1, 2])
  for (const path of ['/final', '/b']) {
    const answer = await send(`${other.url}${path}`)
    assertFinal(answer)
    assert.equal(answer.cacheStatus?.hit, false, `${path} of the other origin is not answered from /a's entry`)
  }
  assert.deepEqual(paths(other), ['/b', '/final', '/final', '/b', '/final'])
})

/** The ways a hop reaches the cache as a request of its own. */
const hopByHop: Array<{ name: string, compose: Compose, consumer: Consumer }> = [
  { name: 'cache inside the redirect interceptor', compose: (cache) => new Agent().compose(cache, follow()), consumer: viaRequest },
  { name: 'fetch following redirects', compose: (cache) => new Agent().compose(cache), consumer: viaFetch }
]

for (const { name, compose, consumer } of hopByHop) {
  test(`${name}: each hop is stored by its own status: the 301 is, the 302 is not`, async (t) => {
    const { origin, cache, send } = await redirecting(t, compose, { allowedCodes: [200, 301] }, aToFinal(), consumer)
    const first = await send('/a')
    assertFinal(first)
    assert.deepEqual(first.cacheStatus, stored, 'the Cache-Status of the last hop')
    assert.deepEqual(await listUrls(cache), [`${origin.url}/a`, `${origin.url}/final`])
    const again = await send('/a')
    assertFinal(again)
    assert.equal(again.cacheStatus?.hit, true)
    // The 301 from the cache, the 302 from the origin, the final response from the cache.
    assert.deepEqual(paths(origin), ['/a', '/b', '/final', '/b'])
  })

  test(`${name}: a 308 is stored when allowedCodes has it`, async (t) => {
    const { origin, cache, send } = await redirecting(t, compose, { allowedCodes: [200, 308] }, chain({ '/p': { status: 308, location: '/final' } }), consumer)
    await send('/p')
    const again = await send('/p')
    assertFinal(again)
    assert.equal(again.cacheStatus?.hit, true)
    assert.deepEqual(paths(origin), ['/p', '/final'])
    assert.deepEqual(await listUrls(cache), [`${origin.url}/final`, `${origin.url}/p`])
  })
}
