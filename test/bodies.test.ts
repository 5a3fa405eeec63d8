/** Only complete bodies are stored: resets, aborts, lies and oversize bodies pass through untouched and unstored. */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'node:test'
import { backendCases } from './helpers/backends.js'
import { viaFetch, viaRequest } from './helpers/clients.js'
import { setup } from './helpers/setup.js'
import { request } from './helpers/undici.js'

test('the origin resets mid-body: the caller sees the error, and nothing is stored', async (t) => {
  const { origin, dispatcher, cache } = await setup(t, {}, (_req, res) => {
    res.writeHead(200, { 'content-length': '1000' })
    res.write(Buffer.alloc(400, 'a'))
    setTimeout(() => res.socket?.destroy(), 20)
  })
  for (const consumer of [viaRequest, viaFetch]) {
    await assert.rejects(consumer.send(`${origin.url}/reset`, { dispatcher }))
  }
  assert.equal(await cache.hasUrl(`${origin.url}/reset`), false)
  assert.equal(origin.count(), 2)
})

test('a Content-Length that lies (body shorter, connection closed) is an error to the caller and is not stored', async (t) => {
  const { origin, dispatcher, cache } = await setup(t, {}, (_req, res) => {
    res.socket?.end('HTTP/1.1 200 OK\r\ncontent-length: 50\r\nconnection: close\r\n\r\nonly twenty bytes...')
  })
  await assert.rejects(viaRequest.send(`${origin.url}/liar`, { dispatcher }))
  assert.equal(await cache.hasUrl(`${origin.url}/liar`), false)
})

test('the caller aborts mid-body: nothing is stored, and the next request goes to the origin', async (t) => {
  const { origin, dispatcher, cache } = await setup(t, {}, async (_req, res) => {
    res.writeHead(200)
    res.write('first part;')
    await sleep(200)
    res.end('second part')
  })
  const controller = new AbortController()
  const res = await request(`${origin.url}/abort`, { dispatcher, signal: controller.signal })
  await once(res.body, 'data')
  controller.abort()
  await assert.rejects(res.body.text())
  await sleep(250)
  assert.equal(await cache.hasUrl(`${origin.url}/abort`), false)
})

test('a caller that never reads the body: nothing is stored, and other requests are unaffected', async (t) => {
  const { origin, dispatcher, cache } = await setup(t, {}, (_req, res) => { res.end(randomBytes(1024 * 1024)) })
  const unread = await request(`${origin.url}/unread`, { dispatcher })
  assert.equal(unread.statusCode, 200)
  await sleep(100)
  assert.equal(await cache.hasUrl(`${origin.url}/unread`), false)
  unread.body.destroy()
  const other = await viaRequest.send(`${origin.url}/other`, { dispatcher })
  assert.equal(other.body.length, 1024 * 1024)
})

test('a body larger than maxBodySize passes through whole and is not stored', async (t) => {
  const body = randomBytes(20_000)
  const { origin, dispatcher, cache } = await setup(t, { maxBodySize: 10_000 }, (req, res) => {
    if (req.url === '/chunked') res.write(body.subarray(0, 100)) // no Content-Length: the size is found out while recording
    res.end(req.url === '/chunked' ? body.subarray(100) : body)
  })
  const known = await viaRequest.send(`${origin.url}/known`, { dispatcher })
  assert.ok(known.body.equals(body))
  assert.deepEqual(known.cacheStatus, { hit: false, fwd: 'uri-miss', detail: 'too-large' })
  const chunked = await viaRequest.send(`${origin.url}/chunked`, { dispatcher })
  assert.ok(chunked.body.equals(body))
  assert.equal(await cache.hasUrl(`${origin.url}/known`), false)
  assert.equal(await cache.hasUrl(`${origin.url}/chunked`), false)
})

for (const backend of backendCases) {
  test(`${backend.name}: a 10 MB body streams through and round-trips byte for byte`, async (t) => {
    const body = randomBytes(10 * 1024 * 1024)
    const { origin, dispatcher } = await setup(t, { cache: backend.make() }, async (_req, res) => {
      res.setHeader('content-type', 'application/octet-stream')
      for (let offset = 0; offset < body.length; offset += 1024 * 1024) {
        if (!res.write(body.subarray(offset, offset + 1024 * 1024))) await once(res, 'drain')
      }
      res.end()
    })
    // The miss is delivered as it streams: the first chunk arrives before the origin has sent everything.
    const miss = await request(`${origin.url}/big`, { dispatcher })
    const chunks: Buffer[] = []
    for await (const chunk of miss.body) chunks.push(chunk as Buffer)
    assert.ok(chunks.length > 1, 'the miss arrived in several chunks')
    assert.ok(Buffer.concat(chunks).equals(body))
    for (const consumer of [viaRequest, viaFetch]) {
      const hit = await consumer.send(`${origin.url}/big`, { dispatcher })
      assert.equal(hit.cacheStatus?.hit, true)
      assert.ok(hit.body.equals(body), `${consumer.name}: body differs`)
    }
    assert.equal(origin.count(), 1)
  })
}
