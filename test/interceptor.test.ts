/** Item 1: the interceptor serves fresh hits without the network, for every consumer, per client and globally. */
import assert from 'node:assert/strict'
import { Readable, Writable } from 'node:stream'
import { describe, test } from 'node:test'
import { cacheInterceptor } from 'undici-client-cache'
import { backendCases } from './helpers/backends.js'
import { consumers } from './helpers/clients.js'
import { startOrigin } from './helpers/origin.js'
import { setup } from './helpers/setup.js'
import { Agent, Client, getGlobalDispatcher, pipeline, Pool, request, setGlobalDispatcher, stream, undiciMajor } from './helpers/undici.js'

for (const backend of backendCases) {
  describe(`${backend.name} backend`, () => {
    for (const consumer of consumers) {
      test(`${consumer.name}: a repeat request is a hit, and the origin sees one request`, async (t) => {
        const { origin, dispatcher } = await setup(t, { cache: backend.make() })
        const first = await consumer.send(`${origin.url}/item?id=1`, { dispatcher })
        const second = await consumer.send(`${origin.url}/item?id=1`, { dispatcher })
        const third = await consumer.send(`${origin.url}/item?id=1`, { dispatcher })
        assert.equal(origin.count(), 1)
        assert.equal(first.status, 200)
        assert.equal(first.text, 'hello GET /item?id=1')
        assert.equal(second.text, first.text)
        assert.equal(third.text, first.text)
        assert.equal(second.header('content-type'), 'text/plain')
        assert.deepEqual(first.cacheStatus, { hit: false, fwd: 'uri-miss', stored: true })
        assert.deepEqual(second.cacheStatus, { hit: true })
      })
    }

    test('undici stream() and pipeline() read hits like misses', async (t) => {
      const { origin, dispatcher } = await setup(t, { cache: backend.make() })
      const viaStream = async (): Promise<string> => {
        const chunks: Buffer[] = []
        await stream(`${origin.url}/s`, { dispatcher, method: 'GET', opaque: null }, () => new Writable({
          write (chunk: Buffer, _encoding, callback) { chunks.push(chunk); callback() }
        }))
        return Buffer.concat(chunks).toString()
      }
      const viaPipeline = async (): Promise<string> => {
        const chunks: Buffer[] = []
        await new Promise<void>((resolve, reject) => {
          const duplex = pipeline(`${origin.url}/s`, { dispatcher, method: 'GET' }, ({ body }) => body)
          duplex.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', resolve).on('error', reject)
          duplex.end()
        })
        return Buffer.concat(chunks).toString()
      }
      assert.equal(await viaStream(), 'hello GET /s')
      assert.equal(await viaStream(), 'hello GET /s')
      assert.equal(await viaPipeline(), 'hello GET /s')
      assert.equal(origin.count(), 1)
    })
  })
}

test('setGlobalDispatcher: undici.request without a dispatcher option goes through the cache', async (t) => {
  const origin = await startOrigin()
  const interceptor = cacheInterceptor()
  const previous = getGlobalDispatcher()
  const agent = new Agent().compose(interceptor)
  setGlobalDispatcher(agent)
  t.after(async () => { setGlobalDispatcher(previous); await agent.close(); await origin.close() })
  for (let i = 0; i < 3; i++) await (await request(`${origin.url}/global`)).body.text()
  assert.equal(origin.count(), 1)
})

test('two composed agents keep separate caches', async (t) => {
  const origin = await startOrigin()
  const a = new Agent().compose(cacheInterceptor())
  const b = new Agent().compose(cacheInterceptor())
  t.after(async () => { await a.close(); await b.close(); await origin.close() })
  for (const dispatcher of [a, b, a, b]) await (await request(`${origin.url}/x`, { dispatcher })).body.text()
  assert.equal(origin.count(), 2)
})

test('a Client or Pool: cached on undici 8; passed through untouched on undici 7, which gives interceptors no origin', async (t) => {
  const origin = await startOrigin()
  const client = new Client(origin.url).compose(cacheInterceptor())
  const pool = new Pool(origin.url).compose(cacheInterceptor())
  t.after(async () => { await client.close(); await pool.close(); await origin.close() })
  for (const dispatcher of [client, client, pool, pool]) {
    const res = await dispatcher.request({ path: '/c', method: 'GET' })
    assert.equal(res.statusCode, 200)
    await res.body.text()
  }
  assert.equal(origin.count(), undiciMajor >= 8 ? 2 : 4)
})

test('a cached request body stream (POST allowed) is read once, keyed, and still reaches the origin intact', async (t) => {
  const { origin, dispatcher } = await setup(t, { allowedMethods: ['GET', 'POST'] })
  for (let i = 0; i < 2; i++) {
    const res = await request(`${origin.url}/post`, { dispatcher, method: 'POST', body: Readable.from(['part-1;', 'part-2']) })
    assert.equal(await res.body.text(), 'hello POST /post')
  }
  assert.equal(origin.count(), 1)
  assert.equal(origin.requests[0]?.body.toString(), 'part-1;part-2')
})
