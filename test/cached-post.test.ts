/** A cached POST (allowedMethods) going back to the origin: never made conditional, and refreshed with its own body. */
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { request } from './helpers/undici.js'
import { setup } from './helpers/setup.js'
import type { Route } from './helpers/origin.js'

/** Answers every POST with its body echoed, an ETag and a one-second lifetime. */
const echoPost: Route = (_req, res, seen) => {
  res.setHeader('etag', '"v1"')
  res.setHeader('cache-control', 'max-age=1')
  res.end(`got ${seen.body.toString()}`)
}

test('an expired cached POST goes to the origin unconditionally (a matching If-None-Match would mean 412)', async (t) => {
  const { origin, dispatcher } = await setup(t, { allowedMethods: ['GET', 'HEAD', 'POST'] }, echoPost)
  const post = async (): Promise<string> => (await (await request(`${origin.url}/q`, { dispatcher, method: 'POST', body: 'query' })).body.text())
  assert.equal(await post(), 'got query')
  await sleep(1100)
  assert.equal(await post(), 'got query')
  assert.equal(origin.count(), 2)
  assert.equal(origin.requests[1]!.headers['if-none-match'], undefined)
})

test('a stale-while-revalidate refresh of a POST sends the request\'s body, even when it came as a stream', async (t) => {
  const { origin, dispatcher, cache } = await setup(t, { allowedMethods: ['GET', 'HEAD', 'POST'], staleWhileRevalidate: true }, echoPost)
  const post = async (): Promise<string> => (await (await request(`${origin.url}/q`, { dispatcher, method: 'POST', body: Readable.from([Buffer.from('streamed')]) })).body.text())
  assert.equal(await post(), 'got streamed')
  await sleep(1100)
  assert.equal(await post(), 'got streamed', 'answered stale at once')
  for (let i = 0; i < 50 && origin.count() < 2; i++) await sleep(20)
  await cache.flush()
  assert.equal(origin.count(), 2)
  assert.equal(origin.requests[1]!.body.toString(), 'streamed', 'the background refresh carried the body')
})
