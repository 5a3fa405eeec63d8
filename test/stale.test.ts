/** Serving stale entries: stale-if-error, stale-while-revalidate, and the request's max-stale and min-fresh. */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test, type TestContext } from 'node:test'
import type { CacheOptions, CacheStatus } from 'undici-client-cache'
import { viaFetch, viaRequest, type Answer, type Consumer } from './helpers/clients.js'
import type { Route } from './helpers/origin.js'
import { setup, type World } from './helpers/setup.js'

/** What the origin does now: answer 503, or hold its answers until `gate` resolves. */
interface Behaviour {
  failing: boolean
  gate: Promise<void> | undefined
}

/** Answers `v1` with `cacheControl`, then `v2`, `v3`, … with max-age=60; see {@link Behaviour}. */
function serving (cacheControl: string, behaviour: Behaviour): Route {
  let version = 0
  return async (_req, res) => {
    if (behaviour.failing) {
      res.statusCode = 503
      res.end('down')
      return
    }
    await behaviour.gate
    res.setHeader('cache-control', ++version === 1 ? cacheControl : 'max-age=60')
    res.end(`v${version}`)
  }
}

interface Stored extends World {
  behaviour: Behaviour
  send (headers?: Record<string, string>): Promise<Answer>
}

/** A world with `v1` (stored with `cacheControl`) in its cache. */
async function storedEntry (t: TestContext, options: CacheOptions, cacheControl: string, consumer: Consumer = viaRequest): Promise<Stored> {
  const behaviour: Behaviour = { failing: false, gate: undefined }
  const world = await setup(t, options, serving(cacheControl, behaviour))
  const send = (headers?: Record<string, string>): Promise<Answer> => consumer.send(`${world.origin.url}/r`, { dispatcher: world.dispatcher, headers })
  assert.equal((await send()).cacheStatus?.stored, true)
  return { ...world, behaviour, send }
}

/** The same, once `v1` (stored with max-age=1) is about 0.1 s stale. */
async function staleEntry (t: TestContext, options: CacheOptions, cacheControl: string, consumer?: Consumer): Promise<Stored> {
  const stored = await storedEntry(t, options, cacheControl, consumer)
  await sleep(1100)
  return stored
}

/** The answer is the stale `v1`, with this Cache-Status and a negative ttl. */
function assertServedStale (answer: Answer, expected: Omit<CacheStatus, 'ttl'>): void {
  assert.equal(answer.status, 200)
  assert.equal(answer.text, 'v1')
  const { ttl, ...status } = answer.cacheStatus ?? { hit: false }
  assert.ok(ttl !== undefined && ttl < 0, `ttl ${String(ttl)} is negative`)
  assert.deepEqual(status, expected)
}

describe('stale-if-error', { concurrency: true }, () => {
  const allowing: Array<[string, CacheOptions, string, Record<string, string>?]> = [
    ['the option staleIfError: true', { staleIfError: true }, 'max-age=1'],
    ['the option in seconds', { staleIfError: 60 }, 'max-age=1'],
    ['the option as a duration', { staleIfError: '5m' }, 'max-age=1'],
    ['the response directive', {}, 'max-age=1, stale-if-error=60'],
    ['the request directive', {}, 'max-age=1', { 'cache-control': 'stale-if-error=60' }]
  ]
  for (const [name, options, cacheControl, requestHeaders] of allowing) {
    for (const consumer of [viaRequest, viaFetch]) {
      test(`${name}: a 5xx is answered with the stale entry (${consumer.name})`, async (t) => {
        const { behaviour, send, origin } = await staleEntry(t, options, cacheControl, consumer)
        behaviour.failing = true
        assertServedStale(await send(requestHeaders), { hit: true, fwd: 'stale', fwdStatus: 503, detail: 'stale-if-error' })
        assert.equal(origin.count(), 2, 'the origin was asked')
      })

      test(`${name}: an unreachable origin is answered with the stale entry (${consumer.name})`, async (t) => {
        const { send, origin } = await staleEntry(t, options, cacheControl, consumer)
        await origin.close()
        assertServedStale(await send(requestHeaders), { hit: true, fwd: 'stale', detail: 'stale-if-error' })
      })
    }
  }

  test('past the window, the 5xx reaches the caller', async (t) => {
    const { behaviour, send } = await staleEntry(t, { staleIfError: 1 }, 'max-age=1')
    behaviour.failing = true
    // About 0.1 s stale: within the window.
    assertServedStale(await send(), { hit: true, fwd: 'stale', fwdStatus: 503, detail: 'stale-if-error' })
    await sleep(1100)
    // About 1.2 s stale: past it.
    const failed = await send()
    assert.equal(failed.status, 503)
    assert.equal(failed.text, 'down')
    assert.equal(failed.cacheStatus?.hit, false)
  })

  test('past the window, an unreachable origin is an error', async (t) => {
    const { send, origin } = await staleEntry(t, { staleIfError: 1 }, 'max-age=1')
    await sleep(1100)
    await origin.close()
    await assert.rejects(send(), { code: 'ECONNREFUSED' })
  })

  const refusing: Array<[string, CacheOptions, string]> = [
    ['must-revalidate forbids it', { staleIfError: true }, 'max-age=1, must-revalidate, stale-if-error=60'],
    ['without any stale-if-error', {}, 'max-age=1']
  ]
  for (const [name, options, cacheControl] of refusing) {
    test(`${name}: the 5xx reaches the caller as is`, async (t) => {
      const { behaviour, send } = await staleEntry(t, options, cacheControl)
      behaviour.failing = true
      const failed = await send()
      assert.equal(failed.status, 503)
      assert.equal(failed.text, 'down')
      assert.equal(failed.cacheStatus?.hit, false)
    })

    test(`${name}: an unreachable origin is an error`, async (t) => {
      const { send, origin } = await staleEntry(t, options, cacheControl)
      await origin.close()
      await assert.rejects(send(), { code: 'ECONNREFUSED' })
    })
  }

  test('with nothing stored, an unreachable origin is an error', async (t) => {
    const { origin, dispatcher } = await setup(t)
    await origin.close()
    await assert.rejects(viaRequest.send(`${origin.url}/nothing`, { dispatcher }), { code: 'ECONNREFUSED' })
  })
})

describe('stale-while-revalidate', { concurrency: true }, () => {
  const allowing: Array<[string, CacheOptions, string]> = [
    ['the option staleWhileRevalidate: true', { staleWhileRevalidate: true }, 'max-age=1'],
    ['the option in seconds', { staleWhileRevalidate: 30 }, 'max-age=1'],
    ['the response directive', {}, 'max-age=1, stale-while-revalidate=30']
  ]
  for (const [name, options, cacheControl] of allowing) {
    for (const consumer of [viaRequest, viaFetch]) {
      test(`${name}: answered stale at once, refreshed once in the background, then fresh (${consumer.name})`, async (t) => {
        const { behaviour, send, origin } = await staleEntry(t, options, cacheControl, consumer)
        let release = (): void => {}
        behaviour.gate = new Promise((resolve) => { release = resolve })
        // The origin holds the refresh until released: these answers cannot have waited for it.
        const answers = [...await Promise.all([send(), send(), send()]), await send(), await send()]
        for (const answer of answers) assertServedStale(answer, { hit: true, fwd: 'stale', detail: 'stale-while-revalidate' })
        release()
        // Until the refresh has landed, requests are still answered stale (and start no other refresh).
        let answer = await send()
        for (let tries = 0; answer.text !== 'v2' && tries < 100; tries++) {
          await sleep(20)
          answer = await send()
        }
        assert.equal(answer.text, 'v2')
        assert.equal(answer.cacheStatus?.hit, true)
        assert.ok((answer.cacheStatus?.ttl ?? 0) > 50, 'fresh, with the refresh\'s max-age=60')
        assert.equal(origin.count(), 2, 'one background request in all')
      })
    }
  }

  test('past the window: the request waits for the origin', async (t) => {
    const { send, origin } = await staleEntry(t, { staleWhileRevalidate: 1 }, 'max-age=1')
    await sleep(1100)
    const answer = await send()
    assert.equal(answer.text, 'v2')
    assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'stale', stored: true, ttl: 60 })
    assert.equal(origin.count(), 2)
  })

  test('must-revalidate forbids it: the request waits for the origin', async (t) => {
    const { send, origin } = await staleEntry(t, { staleWhileRevalidate: true }, 'max-age=1, must-revalidate, stale-while-revalidate=30')
    const answer = await send()
    assert.equal(answer.text, 'v2')
    assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'stale', stored: true, ttl: 60 })
    assert.equal(origin.count(), 2)
  })
})

describe('request max-stale', { concurrency: true }, () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['max-stale=30 takes an entry 0.1 s stale', 'max-age=1', 'max-stale=30', true],
    ['a bare max-stale takes any stale entry', 'max-age=1', 'max-stale', true],
    ['max-stale=0 does not take an entry 0.1 s stale', 'max-age=1', 'max-stale=0', false],
    ['must-revalidate forbids it', 'max-age=1, must-revalidate', 'max-stale', false]
  ]
  for (const [name, cacheControl, requestCacheControl, served] of cases) {
    test(name, async (t) => {
      const { send, origin } = await staleEntry(t, {}, cacheControl)
      const answer = await send({ 'cache-control': requestCacheControl })
      if (served) {
        assertServedStale(answer, { hit: true })
        assert.equal(origin.count(), 1)
      } else {
        assert.equal(answer.text, 'v2')
        assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'stale', stored: true, ttl: 60 })
        assert.equal(origin.count(), 2)
      }
    })
  }
})

test('request min-fresh: an entry fresh for less than that goes to the origin', async (t) => {
  const { send, origin } = await storedEntry(t, {}, 'max-age=60')
  const enough = await send({ 'cache-control': 'min-fresh=30' })
  assert.equal(enough.text, 'v1')
  assert.equal(enough.cacheStatus?.hit, true)
  const tooLittle = await send({ 'cache-control': 'min-fresh=120' })
  assert.equal(tooLittle.text, 'v2')
  assert.deepEqual(tooLittle.cacheStatus, { hit: false, fwd: 'request', stored: true, ttl: 60 })
  assert.equal(origin.count(), 2)
})
