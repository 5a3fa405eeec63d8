/** Turning the cache off for a while: `withoutCache(fn)`, in which no interceptor reads or stores. */
import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import { withoutCache, type CacheStatus } from 'undici-client-cache'
import { backendCases, listUrls } from './helpers/backends.js'
import { consumers, viaRequest, type Answer } from './helpers/clients.js'
import type { Route } from './helpers/origin.js'
import { setup } from './helpers/setup.js'
import { getGlobalDispatcher, setGlobalDispatcher } from './helpers/undici.js'

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
