/**
 * Turning the cache off for a while: `withoutCache(fn)`, in which no interceptor reads or stores, and the `readOnly`
 * option, with which an interceptor answers from what is stored but never changes it.
 */
import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import { cacheInterceptor, withoutCache, type CacheBackend, type CacheOptions, type CacheStatus } from 'undici-client-cache'
import type { Dispatcher } from 'undici'
import { backendCases, listUrls, type BackendCase } from './helpers/backends.js'
import { consumers, viaRequest, type Answer } from './helpers/clients.js'
import { startOrigin, type Origin, type Route } from './helpers/origin.js'
import { setup } from './helpers/setup.js'
import { storedAt, storedResponse } from './helpers/stored.js'
import { Agent, getGlobalDispatcher, interceptors, setGlobalDispatcher } from './helpers/undici.js'

/** What the origin does now: answer 503 to everything, or hold every answer until `held` requests have arrived. */
interface OriginState {
  failing: boolean
  held?: number
}

/**
 * Answers `v<n> <path>`, n counting the responses with a body it gave, plus the headers the query asks for: `cc`
 * (Cache-Control), `age`, `etag` and `vary`. A request whose If-None-Match matches `etag` gets a 304 with
 * `max-age=60` and `x-version: revalidated`. `/from` redirects (301) to `/to`. See {@link OriginState}.
 */
function versioned (state: OriginState = { failing: false }): Route {
  let version = 0
  const waiting: Array<() => void> = []
  return async (req, res) => {
    if (state.held !== undefined) {
      const arrived = new Promise<void>((resolve) => waiting.push(resolve))
      if (waiting.length >= state.held) waiting.forEach((release) => release())
      await arrived
    }
    const url = new URL(req.url ?? '/', 'http://origin')
    if (state.failing) {
      res.statusCode = 503
      res.end('down')
      return
    }
    if (url.pathname === '/from') {
      res.writeHead(301, { location: '/to' }).end()
      return
    }
    for (const [param, header] of [['cc', 'cache-control'], ['age', 'age'], ['etag', 'etag'], ['vary', 'vary']]) {
      const value = url.searchParams.get(param!)
      if (value !== null) res.setHeader(header!, value)
    }
    if (url.searchParams.has('etag') && req.headers['if-none-match'] === url.searchParams.get('etag')) {
      res.writeHead(304, { 'cache-control': 'max-age=60', 'x-version': 'revalidated' }).end()
      return
    }
    res.setHeader('x-version', 'original')
    res.end(`v${++version} ${url.pathname}`)
  }
}

/** Cache-Status of a request made inside withoutCache(). */
const DISABLED: CacheStatus = { hit: false, fwd: 'bypass', detail: 'disabled' }

/** Node's global fetch is given the test's dispatcher: the one before it is put back after the test. */
function keepGlobalDispatcher (t: TestContext): void {
  const previous = getGlobalDispatcher()
  t.after(() => setGlobalDispatcher(previous))
}

for (const backend of backendCases) {
  describe(`${backend.name}: withoutCache()`, () => {
    for (const consumer of consumers) {
      test(`${consumer.name}: inside, requests are neither answered from the cache nor stored; after it, the cache works as before`, async (t) => {
        keepGlobalDispatcher(t)
        const { origin, dispatcher, cache } = await setup(t, { cache: backend.make() }, versioned())
        const send = (path: string): Promise<Answer> => consumer.send(`${origin.url}${path}`, { dispatcher })
        assert.equal((await send('/kept')).text, 'v1 /kept')
        const inside = await withoutCache(async () => [await send('/kept'), await send('/new')])
        assert.deepEqual(inside.map((answer) => answer.text), ['v2 /kept', 'v3 /new'])
        assert.deepEqual(inside.map((answer) => answer.cacheStatus), [DISABLED, DISABLED])
        await cache.flush()
        assert.equal(await cache.hasUrl(`${origin.url}/new`), false, 'nothing was stored inside')
        const kept = await send('/kept')
        assert.equal(kept.text, 'v1 /kept', 'the entry stored before was neither read nor replaced inside')
        assert.equal(kept.cacheStatus?.hit, true)
        const again = await send('/new')
        assert.deepEqual(again.cacheStatus, { hit: false, fwd: 'uri-miss', stored: true })
        assert.equal(origin.count('/new'), 2, 'the origin sees the request made after the scope too')
      })
    }

    test('scopes nest; fn\'s result, sync or async, and its errors pass through', async (t) => {
      const { origin, dispatcher } = await setup(t, { cache: backend.make() }, versioned())
      const send = (): Promise<Answer> => viaRequest.send(`${origin.url}/n`, { dispatcher })
      const statuses = await withoutCache(async () => {
        const nested = await withoutCache(async () => (await send()).cacheStatus)
        return [nested, (await send()).cacheStatus]
      })
      assert.deepEqual(statuses, [DISABLED, DISABLED], 'inside the inner scope, and in the outer one after it')
      assert.deepEqual((await send()).cacheStatus, { hit: false, fwd: 'uri-miss', stored: true })
      assert.equal(withoutCache(() => 42), 42)
      assert.equal(await withoutCache(async () => 'async'), 'async')
      assert.throws(() => withoutCache(() => { throw new Error('thrown inside') }), /thrown inside/)
      await assert.rejects(withoutCache(async () => { throw new Error('rejected inside') }), /rejected inside/)
    })

    test('requests outside the scope, started before it or while it runs, still use the cache', async (t) => {
      const state: OriginState = { failing: false, held: 3 }
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make() }, versioned(state))
      const send = (path: string): Promise<Answer> => viaRequest.send(`${origin.url}${path}`, { dispatcher })
      // (The origin answers none of the three until all three have arrived: they are in flight together.)
      const before = send('/before')
      const inside = withoutCache(() => send('/inside'))
      const during = send('/during')
      const answers = await Promise.all([before, inside, during])
      state.held = undefined
      assert.deepEqual(answers.map((answer) => answer.cacheStatus), [{ hit: false, fwd: 'uri-miss', stored: true }, DISABLED, { hit: false, fwd: 'uri-miss', stored: true }])
      await cache.flush()
      assert.deepEqual(await listUrls(cache), [`${origin.url}/before`, `${origin.url}/during`])
      for (const path of ['/before', '/during']) assert.equal((await send(path)).cacheStatus?.hit, true, `${path} is a hit`)
      assert.equal(origin.count(), 3)
    })

    test('an unsafe request inside still invalidates what it changes, as cache: false does', async (t) => {
      const { origin, dispatcher } = await setup(t, { cache: backend.make() }, versioned())
      const url = `${origin.url}/doc`
      assert.equal((await viaRequest.send(url, { dispatcher })).text, 'v1 /doc')
      const posted = await withoutCache(() => viaRequest.send(url, { dispatcher, method: 'POST', body: 'change' }))
      assert.deepEqual(posted.cacheStatus, DISABLED)
      const after = await viaRequest.send(url, { dispatcher })
      assert.equal(after.text, 'v3 /doc')
      assert.equal(after.cacheStatus?.hit, false)
    })
  })
}

test('withoutCache needs a function', () => {
  assert.throws(() => withoutCache(42 as unknown as () => unknown), { name: 'TypeError', message: 'withoutCache needs a function to run; got 42' })
})

/** One backend, one origin, and two interceptors over them: one that writes, and one read-only (with `readerOptions`). */
interface Shared {
  origin: Origin
  state: OriginState
  cache: CacheBackend
  readerOptions: CacheOptions
  send (dispatcher: Dispatcher, path: string, init?: { method?: string, headers?: Record<string, string>, cache?: { forceRefresh: true } }): Promise<Answer>
  writer: Dispatcher
  reader: Dispatcher
}

async function sharedCache (t: TestContext, backend: BackendCase, readerOptions: CacheOptions = {}, follow = false): Promise<Shared> {
  const state: OriginState = { failing: false }
  const origin = await startOrigin(versioned(state))
  const cache = backend.make()
  // (In compose(a, b), b sees the request first: the cache outside the redirect interceptor sees one request per chain.)
  const compose = (options: CacheOptions): Dispatcher => follow
    ? new Agent().compose(interceptors.redirect({ maxRedirections: 5 }), cacheInterceptor({ cache, ...options }))
    : new Agent().compose(cacheInterceptor({ cache, ...options }))
  const writer = compose({})
  const reader = compose({ ...readerOptions, readOnly: true })
  t.after(async () => { await Promise.allSettled([cache.close(), writer.close(), reader.close(), origin.close()]) })
  const send: Shared['send'] = (dispatcher, path, init = {}) => viaRequest.send(`${origin.url}${path}`, { dispatcher, ...init })
  return { origin, state, cache, readerOptions, send, writer, reader }
}

/** Stored stale on arrival (Age beyond max-age), with a validator to revalidate it with. */
const STALE = '/stale?cc=max-age%3D1&age=100&etag=%22e1%22'

for (const backend of backendCases) {
  describe(`${backend.name}: readOnly`, () => {
    test('fresh hits are served from what is stored; misses are not stored, and a forced refresh replaces nothing', async (t) => {
      const { origin, cache, send, writer, reader } = await sharedCache(t, backend)
      assert.equal((await send(writer, '/a')).text, 'v1 /a')
      const hit = await send(reader, '/a')
      assert.equal(hit.text, 'v1 /a')
      assert.deepEqual(hit.cacheStatus, { hit: true })
      const miss = await send(reader, '/b')
      assert.equal(miss.text, 'v2 /b')
      assert.deepEqual(miss.cacheStatus, { hit: false, fwd: 'uri-miss', detail: 'read-only' })
      assert.equal((await send(reader, '/b')).text, 'v3 /b', 'the miss went to the origin again')
      const refreshed = await send(reader, '/a', { cache: { forceRefresh: true } })
      assert.equal(refreshed.text, 'v4 /a')
      assert.deepEqual(refreshed.cacheStatus, { hit: false, fwd: 'request', detail: 'read-only' })
      assert.equal((await send(reader, '/a')).text, 'v1 /a')
      await cache.flush()
      assert.deepEqual(await listUrls(cache), [`${origin.url}/a`])
    })

    test('a response the rules would not store anyway keeps their reason', async (t) => {
      const { send, reader } = await sharedCache(t, backend)
      assert.deepEqual((await send(reader, '/c?cc=no-store')).cacheStatus, { hit: false, fwd: 'uri-miss', detail: 'no-store' })
    })

    test('a 304 gives the caller the refreshed response, and the stored entry stays as it was', async (t) => {
      const { origin, cache, readerOptions, send, writer, reader } = await sharedCache(t, backend)
      assert.equal((await send(writer, STALE)).cacheStatus?.stored, true)
      const revalidated = await send(reader, STALE)
      assert.equal(origin.requests[1]?.headers['if-none-match'], '"e1"')
      assert.equal(revalidated.text, 'v1 /stale')
      assert.equal(revalidated.header('x-version'), 'revalidated')
      const { ttl, ...status } = revalidated.cacheStatus ?? { hit: false }
      assert.deepEqual(status, { hit: false, fwd: 'stale', fwdStatus: 304 })
      assert.ok(ttl !== undefined && ttl > 0, `the refreshed response is fresh (ttl ${String(ttl)})`)
      await cache.flush()
      const stored = await storedResponse(cache, readerOptions, `${origin.url}${STALE}`)
      assert.ok(stored !== undefined)
      assert.equal(stored.headers.find(([name]) => name === 'x-version')?.[1], 'original')
      assert.ok(stored.expiresAt !== null && stored.expiresAt < Date.now(), 'still stale')
      await send(reader, STALE)
      assert.equal(origin.count(), 3, 'so the next request revalidates again')
    })

    for (const [option, detail, failing] of [['staleWhileRevalidate', 'stale-while-revalidate', false], ['staleIfError', 'stale-if-error', true]] as const) {
      test(`${detail}: a stale entry is served`, async (t) => {
        const { state, send, writer, reader } = await sharedCache(t, backend, { [option]: true })
        await send(writer, STALE)
        state.failing = failing
        const answer = await send(reader, STALE)
        assert.equal(answer.status, 200)
        assert.equal(answer.text, 'v1 /stale')
        assert.equal(answer.cacheStatus?.hit, true)
        assert.equal(answer.cacheStatus?.detail, detail)
      })
    }

    test('nothing is deleted: not entries the settings reject, not what unsafe requests would invalidate', async (t) => {
      const { cache, send, writer, reader } = await sharedCache(t, backend, { filter: () => false, allowedMethods: ['GET', 'HEAD', 'POST'] })
      await send(writer, '/a')
      assert.deepEqual((await send(reader, '/a')).cacheStatus, { hit: false, fwd: 'miss', detail: 'read-only' }, 'the reader\'s filter rejects the entry')
      assert.equal((await send(reader, '/a', { method: 'POST' })).status, 200)
      assert.equal((await send(reader, '/a', { method: 'DELETE' })).status, 200)
      await cache.flush()
      const kept = await send(writer, '/a')
      assert.equal(kept.text, 'v1 /a', 'the writer still finds its entry')
      assert.equal(kept.cacheStatus?.hit, true)
      // (The same DELETE through the writer does invalidate it.)
      await send(writer, '/a', { method: 'DELETE' })
      assert.equal((await send(writer, '/a')).cacheStatus?.hit, false)
    })

    test('no redirect aliases and no variant index are written', async (t) => {
      const { origin, cache, readerOptions, send, writer, reader } = await sharedCache(t, backend, {}, true)
      const held = async (): Promise<Array<string | undefined>> => {
        await cache.flush()
        const entries = await Promise.all(['/from', '/to', '/varied?vary=accept'].map((path) => storedAt(cache, readerOptions, `${origin.url}${path}`)))
        return entries.map((entry) => entry?.statusText)
      }
      for (let i = 0; i < 2; i++) {
        assert.match((await send(reader, '/from')).text, / \/to$/)
        await send(reader, '/varied?vary=accept', { headers: { accept: 'text/plain' } })
      }
      assert.deepEqual(await held(), [undefined, undefined, undefined])
      assert.equal(origin.count(), 6)
      // (The writer, as a control: the response under /from, an alias under /to, an index under /varied.)
      await send(writer, '/from')
      await send(writer, '/varied?vary=accept', { headers: { accept: 'text/plain' } })
      assert.deepEqual(await held(), ['OK', 'alias', 'variants'])
    })

    test('identical concurrent requests are not coalesced: each goes to the origin, none is left waiting', async (t) => {
      const { origin, state, send, reader } = await sharedCache(t, backend)
      state.held = 3
      const answers = await Promise.all([1, 2, 3].map(() => send(reader, '/same')))
      assert.deepEqual(answers.map((answer) => answer.cacheStatus), Array(3).fill({ hit: false, fwd: 'uri-miss', detail: 'read-only' }))
      assert.equal(origin.count(), 3)
    })
  })
}

test('readOnly must be true or false', () => {
  assert.throws(() => cacheInterceptor({ readOnly: 'yes' as unknown as boolean }), { name: 'TypeError', message: 'readOnly must be true or false; got "yes"' })
})
