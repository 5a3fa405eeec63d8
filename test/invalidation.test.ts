/** Invalidation after unsafe requests: what a POST, PUT, PATCH or DELETE makes the cache forget, and what it does not. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Dispatcher } from 'undici'
import { viaFetch, viaRequest } from './helpers/clients.js'
import { startOrigin, type Route } from './helpers/origin.js'
import { setup } from './helpers/setup.js'

/**
 * A GET (or HEAD) is answered with its URL and a serial number, cacheable for good (nothing says otherwise).
 * An unsafe request gets the status its `x-status` header asks for, and its `x-location` / `x-content-location`
 * back as Location / Content-Location.
 */
function resources (): Route {
  let served = 0
  return (req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      res.end(`${req.url ?? ''} #${++served}`)
      return
    }
    res.statusCode = Number(req.headers['x-status'] ?? 200)
    const { 'x-location': location, 'x-content-location': contentLocation } = req.headers
    if (typeof location === 'string') res.setHeader('location', location)
    if (typeof contentLocation === 'string') res.setHeader('content-location', contentLocation)
    res.end()
  }
}

/** Whether a GET of `url` is answered from the cache (a miss stores it again). */
async function isHit (url: string, dispatcher: Dispatcher): Promise<boolean> {
  return (await viaRequest.send(url, { dispatcher })).cacheStatus?.hit === true
}

/** Stores a GET of each URL, checking that it is then a hit. */
async function storeAll (urls: string[], dispatcher: Dispatcher): Promise<void> {
  for (const url of urls) {
    await viaRequest.send(url, { dispatcher })
    assert.equal(await isHit(url, dispatcher), true, `${url} is stored`)
  }
}

const outcomes: Array<[method: string, status: number, invalidates: boolean]> = [
  ['POST', 201, true],
  ['PUT', 204, true],
  ['PATCH', 200, true],
  ['DELETE', 204, true],
  ['POST', 303, true],
  ['POST', 400, false],
  ['PUT', 404, false],
  ['DELETE', 500, false]
]

for (const consumer of [viaRequest, viaFetch]) {
  for (const [method, status, invalidates] of outcomes) {
    test(`${method} answered ${status} ${invalidates ? 'deletes' : 'keeps'} the stored GET of its URL (${consumer.name})`, async (t) => {
      const { origin, dispatcher } = await setup(t, {}, resources())
      const url = `${origin.url}/item`
      await storeAll([url], dispatcher)
      const unsafe = await consumer.send(url, { dispatcher, method, body: method === 'DELETE' ? undefined : 'data', headers: { 'x-status': String(status) } })
      assert.equal(unsafe.status, status)
      assert.equal(await isHit(url, dispatcher), !invalidates)
      // GET, the unsafe request, and a GET again only when it was invalidated.
      assert.equal(origin.count(), invalidates ? 3 : 2)
    })
  }
}

test('a same-origin Location and Content-Location are invalidated too; other URLs are not', async (t) => {
  const { origin, dispatcher } = await setup(t, {}, resources())
  const [a, b, c] = ['/a', '/b', '/c'].map((path) => origin.url + path) as [string, string, string]
  await storeAll([a, b, c], dispatcher)
  await viaRequest.send(`${origin.url}/collection`, {
    dispatcher, method: 'POST', body: 'data', headers: { 'x-status': '201', 'x-location': '/a', 'x-content-location': b }
  })
  assert.deepEqual([await isHit(a, dispatcher), await isHit(b, dispatcher), await isHit(c, dispatcher)], [false, false, true])
})

test('a Location or Content-Location on another origin is not invalidated', async (t) => {
  const { origin, dispatcher } = await setup(t, {}, resources())
  const other = await startOrigin(resources())
  t.after(() => other.close())
  const [a, b] = [`${other.url}/a`, `${other.url}/b`]
  await storeAll([a, b], dispatcher)
  const created = await viaRequest.send(`${origin.url}/collection`, {
    dispatcher, method: 'POST', body: 'data', headers: { 'x-status': '201', 'x-location': a, 'x-content-location': b }
  })
  assert.equal(created.header('location'), a)
  assert.deepEqual([await isHit(a, dispatcher), await isHit(b, dispatcher)], [true, true])
  assert.equal(other.count(), 2)
})
