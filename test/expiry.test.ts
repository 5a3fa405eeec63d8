/** Item 3: how long a response stays fresh, and the precedence of what decides it. */
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { describe, test } from 'node:test'
import { cacheInterceptor, DO_NOT_CACHE, EXPIRE_IMMEDIATELY, NEVER_EXPIRE, type CacheOptions } from 'undici-client-cache'
import { assertExpireAfter, resolveExpireAfter, UrlExpiryPatterns } from '#lib/expiry.js'
import { viaRequest, type Answer, type SendInit } from './helpers/clients.js'
import { startOrigin, type Route } from './helpers/origin.js'
import { loopbackAgent } from './helpers/loopback.js'
import { setup } from './helpers/setup.js'

/** An origin that answers with the response headers the test asks for. */
function answering (headers: Record<string, string>): Route {
  return (_req, res) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    res.end('body')
  }
}

const allLevels: CacheOptions = { expireAfter: 400, urlsExpireAfter: { '127.0.0.1:*/pattern': 300 } }

/** Sends one request to /pattern with the given response headers and request init; returns the answer. */
async function firstAnswer (t: Parameters<typeof setup>[0], options: CacheOptions, responseHeaders: Record<string, string>, init: Partial<SendInit> = {}): Promise<Answer> {
  const { origin, dispatcher } = await setup(t, options, answering(responseHeaders))
  return viaRequest.send(`${origin.url}/pattern`, { dispatcher, ...init })
}

describe('precedence: request Cache-Control, response Cache-Control / Expires, per request, URL pattern, session', () => {
  const cases: Array<[string, Record<string, string>, Partial<SendInit>, number | undefined]> = [
    ['request max-age wins over everything', { 'cache-control': 'max-age=60' }, { headers: { 'cache-control': 'max-age=100' }, cache: { expireAfter: 200 } }, 100],
    ['response max-age wins over per-request, pattern and session', { 'cache-control': 'max-age=60' }, { cache: { expireAfter: 200 } }, 60],
    ['response max-age minus the Age it arrived with', { 'cache-control': 'max-age=60', age: '15' }, {}, 45],
    ['s-maxage is ignored (a private cache): max-age applies', { 'cache-control': 's-maxage=10, max-age=100' }, {}, 100],
    ['s-maxage alone is ignored: the URL pattern applies', { 'cache-control': 's-maxage=10' }, {}, 300],
    ['Expires relative to Date when there is no max-age', { date: new Date(Date.now()).toUTCString(), expires: new Date(Date.now() + 120_000).toUTCString() }, {}, 120],
    ['per-request expireAfter wins over the pattern and the session', {}, { cache: { expireAfter: 200 } }, 200],
    ['the first matching URL pattern wins over the session', {}, {}, 300]
  ]
  for (const [name, responseHeaders, init, ttl] of cases) {
    test(name, async (t) => {
      const answer = await firstAnswer(t, allLevels, responseHeaders, init)
      assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'uri-miss', stored: true, ttl })
    })
  }

  test('the session expireAfter applies when nothing else does', async (t) => {
    const answer = await firstAnswer(t, { expireAfter: '2h' }, {})
    assert.equal(answer.cacheStatus?.ttl, 7200)
  })

  test('cacheControl: false ignores the response headers (max-age and no-store alike)', async (t) => {
    const answer = await firstAnswer(t, { ...allLevels, cacheControl: false }, { 'cache-control': 'max-age=60, no-store' })
    assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'uri-miss', stored: true, ttl: 300 })
  })

  for (const [name, headers, detail] of [
    ['response no-store', { 'cache-control': 'no-store' }, 'no-store'],
    ['response max-age=0', { 'cache-control': 'max-age=0' }, 'max-age=0'],
    ['response Expires in the past', { expires: 'Thu, 01 Jan 1970 00:00:00 GMT' }, 'expired'],
    ['response Expires: 0 (invalid, so already expired)', { expires: '0' }, 'expired'],
    ['response Vary: *', { vary: '*' }, 'vary']
  ] as const) {
    test(`${name} is never stored`, async (t) => {
      const { origin, dispatcher } = await setup(t, allLevels, answering(headers))
      const first = await viaRequest.send(`${origin.url}/pattern`, { dispatcher })
      await viaRequest.send(`${origin.url}/pattern`, { dispatcher })
      assert.deepEqual(first.cacheStatus, { hit: false, fwd: 'uri-miss', detail })
      assert.equal(origin.count(), 2)
    })
  }

  test('request no-store: neither read nor written', async (t) => {
    const { origin, dispatcher, cache } = await setup(t)
    await viaRequest.send(`${origin.url}/n`, { dispatcher })
    const bypassed = await viaRequest.send(`${origin.url}/n`, { dispatcher, headers: { 'cache-control': 'no-store' } })
    assert.deepEqual(bypassed.cacheStatus, { hit: false, fwd: 'request', detail: 'no-store' })
    const other = await viaRequest.send(`${origin.url}/other`, { dispatcher, headers: { 'cache-control': 'no-store' } })
    assert.equal(other.status, 200)
    assert.equal(await cache.hasUrl(`${origin.url}/other`), false)
    assert.equal(origin.count(), 3)
  })

  test('request max-age also bounds the age of the entry it may be answered with', async (t) => {
    const { origin, dispatcher } = await setup(t, {}, answering({ age: '100' }))
    await viaRequest.send(`${origin.url}/old`, { dispatcher })
    const tooOld = await viaRequest.send(`${origin.url}/old`, { dispatcher, headers: { 'cache-control': 'max-age=50' } })
    assert.equal(tooOld.cacheStatus?.fwd, 'request', 'still fresh, but too old for this request')
    const fine = await viaRequest.send(`${origin.url}/old`, { dispatcher, headers: { 'cache-control': 'max-age=500' } })
    assert.equal(fine.cacheStatus?.hit, true)
    assert.ok(Number(fine.header('age')) >= 100)
    assert.equal(origin.count(), 2)
  })
})

describe('ExpireAfter values', () => {
  test('NEVER_EXPIRE stores without a ttl', async (t) => {
    const answer = await firstAnswer(t, { expireAfter: NEVER_EXPIRE }, {})
    assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'uri-miss', stored: true })
  })

  test('a Date is an absolute expiry', async (t) => {
    const answer = await firstAnswer(t, { expireAfter: new Date(Date.now() + 3_600_500) }, {})
    assert.equal(answer.cacheStatus?.ttl, 3600)
  })

  test('DO_NOT_CACHE, per request or by URL pattern, bypasses the cache', async (t) => {
    const { origin, dispatcher } = await setup(t, { urlsExpireAfter: { '127.0.0.1:*/private': DO_NOT_CACHE } })
    for (const path of ['/private/a', '/private/a', '/public', '/public']) {
      const answer = await viaRequest.send(origin.url + path, { dispatcher, cache: path === '/public' ? {} : undefined })
      if (path.startsWith('/private')) assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'bypass', detail: 'do-not-cache' })
    }
    const perRequest = await viaRequest.send(`${origin.url}/public`, { dispatcher, cache: { expireAfter: DO_NOT_CACHE } })
    assert.equal(perRequest.cacheStatus?.fwd, 'bypass')
    assert.equal(origin.count(), 4)
  })

  test('EXPIRE_IMMEDIATELY stores only a response with a validator, and never answers from it without the origin', async (t) => {
    const { origin, dispatcher } = await setup(t, { expireAfter: EXPIRE_IMMEDIATELY }, (req, res) => {
      if (req.url === '/etag') res.setHeader('etag', '"v1"')
      res.end('x')
    })
    const plain = await viaRequest.send(`${origin.url}/plain`, { dispatcher })
    assert.equal(plain.cacheStatus?.detail, 'expired')
    const withEtag = await viaRequest.send(`${origin.url}/etag`, { dispatcher })
    assert.equal(withEtag.cacheStatus?.stored, true)
    const again = await viaRequest.send(`${origin.url}/etag`, { dispatcher })
    assert.equal(again.cacheStatus?.fwd, 'stale')
    assert.equal(origin.count(), 3)
  })

  test('a short real expiry: a hit at once, a fresh request from the origin after it', async (t) => {
    const { origin, dispatcher } = await setup(t, { expireAfter: '1s' })
    await viaRequest.send(`${origin.url}/short`, { dispatcher })
    assert.equal((await viaRequest.send(`${origin.url}/short`, { dispatcher })).cacheStatus?.hit, true)
    await sleep(1100)
    const expired = await viaRequest.send(`${origin.url}/short`, { dispatcher })
    assert.deepEqual(expired.cacheStatus, { hit: false, fwd: 'stale', stored: true, ttl: 1 })
    assert.equal(origin.count(), 2)
    assert.equal((await viaRequest.send(`${origin.url}/short`, { dispatcher })).cacheStatus?.hit, true)
  })

  test('durations, seconds and dates resolve against the clock', () => {
    const now = 1_000_000
    assert.equal(resolveExpireAfter('30s', now), now + 30_000)
    assert.equal(resolveExpireAfter('5m', now), now + 300_000)
    assert.equal(resolveExpireAfter('1h', now), now + 3_600_000)
    assert.equal(resolveExpireAfter('7d', now), now + 7 * 86_400_000)
    assert.equal(resolveExpireAfter('1h30m', now), now + 5_400_000)
    assert.equal(resolveExpireAfter('250ms', now), now + 250)
    assert.equal(resolveExpireAfter(90, now), now + 90_000)
    assert.equal(resolveExpireAfter(NEVER_EXPIRE, now), null)
    assert.equal(resolveExpireAfter(EXPIRE_IMMEDIATELY, now), now)
    assert.equal(resolveExpireAfter(new Date(5), now), 5)
    assert.equal(resolveExpireAfter(DO_NOT_CACHE, now), DO_NOT_CACHE)
  })

  test('a lifetime longer than a Date can hold means no expiry: never Infinity, never a time no Date can hold', async (t) => {
    const now = Date.now()
    for (const huge of [1e308, Number.MAX_VALUE, `${'9'.repeat(300)}ms`, `${'9'.repeat(20)}w`]) {
      assertExpireAfter(huge, 'expireAfter')
      assert.equal(resolveExpireAfter(huge, now), null, String(huge))
    }
    assert.equal(resolveExpireAfter(8.64e15 / 1000 - 1, 0), 8.64e15 - 1000, 'the latest time a Date holds is kept')
    const { origin, dispatcher } = await setup(t, { expireAfter: 1e308 }, (req, res) => {
      // An Expires as late as a Date goes, relative to a Date as early as one goes: their distance is more than a Date holds.
      if (req.url === '/far') res.setHeader('expires', 'Sat, 13 Sep 275760 00:00:00 GMT')
      if (req.url === '/far') res.setHeader('date', '-271821-04-20T00:00:00Z')
      res.end('x')
    })
    for (const path of ['/huge', '/far']) {
      const stored = await viaRequest.send(origin.url + path, { dispatcher })
      assert.equal(stored.header('cache-status'), 'undici-client-cache; fwd=uri-miss; stored', path)
      assert.equal((await viaRequest.send(origin.url + path, { dispatcher })).header('cache-status'), 'undici-client-cache; hit', path)
    }
  })

  test('anything else is a TypeError naming the option and the value', () => {
    for (const bad of ['soon', '', '10', '5 minutes', -2, Number.NaN, Infinity, new Date('nope'), null, {}, true]) {
      assert.throws(() => assertExpireAfter(bad, 'expireAfter'), (error: Error) => error instanceof TypeError && error.message.startsWith('expireAfter must be'))
    }
    assert.throws(() => cacheInterceptor({ expireAfter: 'soon' }), /expireAfter must be .*got "soon"/)
    assert.throws(() => cacheInterceptor({ urlsExpireAfter: { 'example.com': 'later' } }), /urlsExpireAfter\["example.com"\] must be .*got "later"/)
  })
})

describe('urlsExpireAfter patterns', () => {
  test('the reference table: scheme ignored, prefixes, subdomain wildcards, first match wins', () => {
    const patterns = new UrlExpiryPatterns({ '*.site_1.com': '12h', 'site_2.com/resource_1': '20h', 'site_2.com/resource_2': '7d', 'site_2.com/static': -1 })
    assert.equal(patterns.match('https://img.site_1.com'), '12h')
    assert.equal(patterns.match('http://img.site.com/base/'), undefined)
    assert.equal(patterns.match('http://site_2.com/resource_1/index.html'), '20h')
    assert.equal(patterns.match('http://site_2.com/resource_1_more'), '20h')
    assert.equal(patterns.match('http://site_2.com/static/img.jpg'), -1)
    assert.equal(patterns.match('ftp://site_2.com/static/img.jpg'), -1)
    assert.equal(patterns.match('site_2.com'), undefined)
    assert.equal(patterns.match('http://site_1.com/'), undefined, '*.site_1.com does not match the bare domain')
    const ordered = new UrlExpiryPatterns({ '*.site_1.com/resource': '2h', '*.site_1.com': '1h', '*': 1 })
    assert.equal(ordered.match('https://img.site_1.com/resource/1'), '2h')
    assert.equal(ordered.match('https://img.site_1.com/image.jpeg'), '1h')
    assert.equal(ordered.match('https://site_2.com'), 1)
    assert.equal(new UrlExpiryPatterns({ 'a.com/*/x': 5 }).match('http://a.com/1/2/x'), 5, '* crosses /')
    assert.equal(new UrlExpiryPatterns({ 'a.com/v[12]': 5 }).match('http://a.com/v3'), undefined)
  })

  test('real hosts: the expiry each request is stored with follows the first matching pattern', async (t) => {
    const origin = await startOrigin()
    const port = new URL(origin.url).port
    const dispatcher = loopbackAgent().compose(cacheInterceptor({
      expireAfter: '1h',
      urlsExpireAfter: { [`httpbin.org:${port}/image`]: '7d', [`*.fillmurray.com:${port}`]: NEVER_EXPIRE }
    }))
    t.after(async () => { await dispatcher.close(); await origin.close() })
    const ttl = async (url: string): Promise<number | undefined> => (await viaRequest.send(url, { dispatcher })).cacheStatus?.ttl
    assert.equal(await ttl(`https://httpbin.org:${port}/get`.replace('https', 'http')), 3600)
    assert.equal(await ttl(`http://httpbin.org:${port}/image/jpeg`), 7 * 86400)
    assert.equal(await ttl(`http://www.fillmurray.com:${port}/460/300`), undefined)
    assert.equal(await ttl(`http://fillmurray.com:${port}/460/300`), 3600)
  })
})
