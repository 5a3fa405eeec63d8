/**
 * Only complete bodies are stored. Every way a body can fail (the origin resets, lies about its length, cuts a chunk;
 * the caller aborts or never reads) is run through a plain Agent and through the cached one: the caller sees
 * exactly the same thing (status, bytes, error), and nothing is stored, so the next request goes to the origin again.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { EventEmitter, once } from 'node:events'
import type { ServerResponse } from 'node:http'
import { test } from 'node:test'
import type { CacheOptions } from 'undici-client-cache'
import { keyOfUrl } from '#lib/backends/selection.js'
import { backendCases, listUrls } from './helpers/backends.js'
import { viaFetch, viaRequest } from './helpers/clients.js'
import type { Route } from './helpers/origin.js'
import { outcomeClients, type CallerBehaviour, type Outcome } from './helpers/outcome.js'
import { setup } from './helpers/setup.js'
import { Agent, request } from './helpers/undici.js'

/** Writes raw bytes on the response's connection (a head and body no well-behaved server would send), then closes it. */
function raw (res: ServerResponse, bytes: string): void {
  res.socket?.end(bytes)
}

/** The origin emits 'request' here when a request reaches it (the caller that aborts before the headers waits for it). */
const arrivals = new EventEmitter()
const large = randomBytes(20_000)

interface Fault {
  name: string
  route: Route
  caller?: CallerBehaviour
  options?: CacheOptions
  /** The response is complete as far as HTTP's framing goes: the cache stores what the caller got. */
  stored?: boolean
  /** What a caller sees of it without the cache: status, how many bytes, and the error's code (or name), if any. */
  expected: { status?: number, bytes: number, error?: string }
}

const faults: Fault[] = [
  {
    name: 'the origin resets the connection mid-body',
    route: (_req, res) => {
      res.writeHead(200, { 'content-length': '1000' })
      res.write(Buffer.alloc(400, 'a'), () => res.socket?.destroy())
    },
    expected: { status: 200, bytes: 400, error: 'UND_ERR_SOCKET' }
  },
  {
    name: 'a Content-Length longer than the body, connection closed',
    route: (_req, res) => raw(res, 'HTTP/1.1 200 OK\r\ncontent-length: 50\r\nconnection: close\r\n\r\nonly twenty bytes...'),
    expected: { status: 200, bytes: 20, error: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' }
  },
  {
    name: 'a Content-Length longer than the body, keep-alive (the origin then closes the idle connection)',
    route: (_req, res) => raw(res, 'HTTP/1.1 200 OK\r\ncontent-length: 50\r\nkeep-alive: timeout=5\r\n\r\nonly twenty bytes...'),
    expected: { status: 200, bytes: 20, error: 'UND_ERR_SOCKET' }
  },
  {
    // undici ends the response after Content-Length bytes, and the caller has a complete response; the bytes after it
    // are a protocol error on an idle connection, which no request sees. So the cache cannot tell it from a good one.
    name: 'a body longer than its Content-Length',
    route: (_req, res) => raw(res, 'HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nten bytes!and twenty more bytes....'),
    stored: true,
    expected: { status: 200, bytes: 10 }
  },
  {
    name: 'a chunked body cut mid-chunk',
    route: (_req, res) => raw(res, 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n14\r\nonly ten b'),
    expected: { status: 200, bytes: 15, error: 'UND_ERR_SOCKET' }
  },
  {
    name: 'a chunked body without its last chunk',
    route: (_req, res) => raw(res, 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nfirst\r\n6\r\nsecond\r\n'),
    expected: { status: 200, bytes: 11, error: 'UND_ERR_SOCKET' }
  },
  {
    name: 'the caller aborts before the headers',
    route: async (_req, res) => {
      arrivals.emit('request')
      await once(res, 'close')
    },
    caller: 'abort before headers',
    expected: { bytes: 0, error: 'AbortError' }
  },
  {
    name: 'the caller aborts mid-body',
    route: async (_req, res) => {
      res.writeHead(200)
      res.write('first part;')
      await once(res, 'close')
    },
    caller: 'abort mid-body',
    expected: { status: 200, bytes: 11, error: 'AbortError' }
  },
  {
    name: 'a caller that never reads the body',
    route: (_req, res) => { res.end(randomBytes(1024 * 1024)) },
    caller: 'never read',
    expected: { status: 200, bytes: 0 }
  },
  {
    name: 'a body larger than maxBodySize, with a Content-Length',
    route: (_req, res) => { res.end(large) },
    options: { maxBodySize: 10_000 },
    expected: { status: 200, bytes: large.length }
  },
  {
    name: 'a body larger than maxBodySize, chunked (its size is found out while recording)',
    route: (_req, res) => {
      res.write(large.subarray(0, 100))
      res.end(large.subarray(100))
    },
    options: { maxBodySize: 10_000 },
    expected: { status: 200, bytes: large.length }
  }
]

function summary (outcome: Outcome): Fault['expected'] {
  const { status, received, error } = outcome
  // (A DOMException's code is a legacy number: an AbortError is told by its name.)
  const code = error?.cause?.code ?? error?.code
  return { ...(status === undefined ? {} : { status }), bytes: received.length, ...(error === undefined ? {} : { error: typeof code === 'string' ? code : error.name }) }
}

for (const backend of backendCases) {
  for (const fault of faults) {
    const what = fault.stored === true ? 'and it is stored as the caller got it' : 'and nothing is stored'
    test(`${backend.name}: ${fault.name}: the caller sees what it sees without the cache, ${what}`, async (t) => {
      const { origin, dispatcher, cache } = await setup(t, { cache: backend.make(), ...fault.options }, fault.route)
      const plain = new Agent()
      t.after(() => plain.close())
      const url = `${origin.url}/fault`
      const behaviour = fault.caller ?? 'read'
      let without: Outcome | undefined
      for (const client of outcomeClients) {
        const outcome = async (through: typeof dispatcher): Promise<Outcome> =>
          client.outcome(url, { dispatcher: through, behaviour, aborting: behaviour === 'abort before headers' ? once(arrivals, 'request') : undefined })
        without = await outcome(plain)
        assert.deepEqual(summary(without), fault.expected, `${client.name}: what the caller sees without the cache`)
        const sent = origin.count()
        assert.deepEqual(await outcome(dispatcher), without, `${client.name}: through the cache, the caller sees the same`)
        // The first request through the cache (by request) goes to the origin; so does the second (by fetch), unless
        // the first was stored.
        const stored = fault.stored === true && client !== outcomeClients[0]
        assert.equal(origin.count(), stored ? sent : sent + 1, `${client.name}: the request through the cache ${stored ? 'is a hit' : 'reached the origin'}`)
      }
      await cache.flush()
      if (fault.stored === true) {
        assert.deepEqual(await listUrls(cache), [url])
        assert.ok((await cache.get(keyOfUrl(cache.keyBuilder, url)))?.body.equals(without!.received), 'the stored body is what the caller got')
      } else {
        assert.deepEqual(await listUrls(cache), [], 'nothing is stored')
      }
    })
  }
}

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
