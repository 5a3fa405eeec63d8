/** Vary: the variants of one URL stored side by side, selected by the request headers the response names. */
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { backendCases, listUrls, type BackendCase } from './helpers/backends.js'
import { viaFetch, viaRequest, type Answer, type Consumer } from './helpers/clients.js'
import type { Route } from './helpers/origin.js'
import { setup, type World } from './helpers/setup.js'

/**
 * A GET is answered with `Vary: <vary>`, max-age=60, and a body naming the values the origin got for the headers it
 * varies on (`accept=text/html`), so each answer shows which request it was made for. A POST gets a plain 200.
 */
function varyingOn (vary: string): Route {
  const names = vary === '*' ? [] : vary.split(',').map((name) => name.trim().toLowerCase())
  return (req, res) => {
    if (req.method === 'POST') {
      res.end('updated')
      return
    }
    res.setHeader('vary', vary)
    res.setHeader('cache-control', 'max-age=60')
    res.end(names.map((name) => `${name}=${String(req.headers[name])}`).join('; '))
  }
}

interface Varying extends World {
  url: string
  send (headers: Record<string, string>, method?: string): Promise<Answer>
}

/** A world on `backend` whose origin serves `/doc` varying on `vary`, requested through `consumer`. */
async function varying (t: TestContext, backend: BackendCase, consumer: Consumer, vary: string): Promise<Varying> {
  const world = await setup(t, { cache: backend.make() }, varyingOn(vary))
  const url = `${world.origin.url}/doc`
  return { ...world, url, send: (headers, method) => consumer.send(url, { dispatcher: world.dispatcher, headers, method }) }
}

/** Sends each header set in turn; each answer must be a hit carrying `body(headers)`. */
async function assertAllHits (send: Varying['send'], requests: Array<Record<string, string>>, body: (headers: Record<string, string>) => string): Promise<void> {
  for (const headers of requests) {
    const answer = await send(headers)
    assert.equal(answer.cacheStatus?.hit, true, `a hit for ${JSON.stringify(headers)}`)
    assert.equal(answer.text, body(headers))
  }
}

const html = { accept: 'text/html' }
const json = { accept: 'application/json' }
const acceptBody = (headers: Record<string, string>): string => `accept=${String(headers.accept)}`

/** Header values that select the same variant: the first goes to the origin, the others are hits with its body. */
const sameVariant: Array<{ vary: string, values: string[] }> = [
  // Media types are case-insensitive; whitespace around a value is not part of it.
  { vary: 'Accept', values: ['application/json', 'APPLICATION/JSON', '  application/json '] },
  // Content codings are case-insensitive, and the order of the list means nothing.
  { vary: 'Accept-Encoding', values: ['gzip, br', 'br,gzip', 'GZIP,  BR'] }
]

for (const backend of backendCases) {
  for (const consumer of [viaRequest, viaFetch]) {
    const on = `${backend.name}, ${consumer.name}`

    test(`${on}: two Accept values make two variants; from the second round on, each is a hit with its own body`, async (t) => {
      const { origin, send } = await varying(t, backend, consumer, 'Accept')
      assert.deepEqual((await send(html)).cacheStatus, { hit: false, fwd: 'uri-miss', stored: true, ttl: 60 })
      const other = await send(json)
      assert.equal(other.text, 'accept=application/json')
      assert.deepEqual(other.cacheStatus, { hit: false, fwd: 'vary-miss', stored: true, ttl: 60 }, 'stored beside the first, not over it')
      for (let round = 2; round <= 3; round++) await assertAllHits(send, [html, json], acceptBody)
      assert.equal(origin.count(), 2)
    })

    for (const { vary, values } of sameVariant) {
      test(`${on}: Vary: ${vary}: ${values.map((value) => JSON.stringify(value)).join(', ')} share one variant`, async (t) => {
        const { origin, send } = await varying(t, backend, consumer, vary)
        const name = vary.toLowerCase()
        const [first, ...others] = values.map((value) => ({ [name]: value }))
        const stored = await send(first!)
        assert.equal(stored.cacheStatus?.stored, true)
        await assertAllHits(send, others, () => stored.text)
        assert.equal(origin.count(), 1)
      })
    }

    test(`${on}: Vary on another header compares values exactly: "a" and "A" are two variants`, async (t) => {
      const { origin, send } = await varying(t, backend, consumer, 'X-Tenant')
      const tenants = [{ 'x-tenant': 'a' }, { 'x-tenant': 'A' }]
      for (const headers of tenants) assert.equal((await send(headers)).text, `x-tenant=${headers['x-tenant']}`)
      await assertAllHits(send, tenants, (headers) => `x-tenant=${String(headers['x-tenant'])}`)
      assert.equal(origin.count(), 2)
    })

    test(`${on}: a response with Vary: * is never stored`, async (t) => {
      const { origin, send, cache } = await varying(t, backend, consumer, '*')
      for (let i = 0; i < 3; i++) assert.deepEqual((await send(html)).cacheStatus, { hit: false, fwd: 'uri-miss', detail: 'vary' })
      assert.equal(origin.count(), 3)
      assert.deepEqual(await listUrls(cache), [])
    })

    test(`${on}: Vary on two headers: four combinations, four variants`, async (t) => {
      const { origin, send } = await varying(t, backend, consumer, 'Accept, Accept-Language')
      const combinations = [html, json].flatMap((accept) => ['en', 'fr'].map((language) => ({ ...accept, 'accept-language': language })))
      const body = (headers: Record<string, string>): string => `accept=${String(headers.accept)}; accept-language=${String(headers['accept-language'])}`
      for (const headers of combinations) assert.equal((await send(headers)).text, body(headers))
      assert.equal(origin.count(), 4)
      await assertAllHits(send, combinations, body)
      assert.equal(origin.count(), 4)
    })

    // (A read of the key waits for the invalidation's delete, as for a write: on SQLite the next GET once raced it.)
    test(`${on}: a successful POST to the URL makes every variant go to the origin again`, async (t) => {
      const { origin, send } = await varying(t, backend, consumer, 'Accept')
      await send(html)
      await send(json)
      await assertAllHits(send, [html, json], acceptBody)
      assert.equal((await send({}, 'POST')).status, 200)
      assert.equal(origin.count(), 3)
      for (const headers of [html, json]) {
        const answer = await send(headers)
        assert.equal(answer.text, acceptBody(headers))
        assert.equal(answer.cacheStatus?.hit, false, `${headers.accept} forgotten`)
      }
      assert.equal(origin.count(), 5)
      await assertAllHits(send, [html, json], acceptBody)
    })

    test(`${on}: urls() lists the URL once per stored variant, never the index of its variants`, async (t) => {
      const { send, cache, url } = await varying(t, backend, consumer, 'Accept')
      await send(html)
      assert.deepEqual(await listUrls(cache), [url])
      await send(json)
      await send(html)
      assert.deepEqual(await listUrls(cache), [url, url])
    })
  }
}
