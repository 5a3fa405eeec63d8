/**
 * Isolation: requests that differ in what the key or a response's Vary covers (an `includeHeaders` header, a header
 * Vary names, the caller's credentials, a query parameter `ignoredParams` does not name) never share an entry; and no
 * crafted value can make two different requests encode (and so hash) alike.
 */
import assert from 'node:assert/strict'
import { describe, test, type TestContext } from 'node:test'
import type { CacheOptions } from 'undici-client-cache'
import { backendCases, type BackendCase } from './helpers/backends.js'
import { viaRequest, type Answer } from './helpers/clients.js'
import type { Route } from './helpers/origin.js'
import { setup, type World } from './helpers/setup.js'

/** Answers with the bytes (hex) of the request headers named, so an answer shows which request it was made for. */
function showing (names: string[], vary?: string): Route {
  return (req, res) => {
    res.setHeader('cache-control', 'max-age=60')
    if (vary !== undefined) res.setHeader('vary', vary)
    res.end(names.map((name) => `${name}=${Buffer.from(String(req.headers[name] ?? ''), 'latin1').toString('hex')}`).join('; '))
  }
}

interface Showing extends World {
  /** Sends a GET of `path` with `headers`; the answer says what the origin saw, or what the cache answered instead. */
  send (path: string, headers: Record<string, string>): Promise<Answer>
}

async function showingWorld (t: TestContext, backend: BackendCase, options: CacheOptions, names: string[], vary?: string): Promise<Showing> {
  const world = await setup(t, { ...options, cache: backend.make() }, showing(names, vary))
  return { ...world, send: async (path, headers) => viaRequest.send(world.origin.url + path, { dispatcher: world.dispatcher, headers }) }
}

for (const backend of backendCases) {
  describe(`${backend.name}: by example`, () => {
    test('values that differ in a character other than HTTP whitespace (a no-break space) are two entries', async (t) => {
      const cases: Array<[CacheOptions, string | undefined]> = [[{ includeHeaders: ['x-name'] }, undefined], [{}, 'X-Name']]
      for (const [options, vary] of cases) {
        const { origin, send } = await showingWorld(t, backend, options, ['x-name'], vary)
        const answers = [await send('/nbsp', { 'x-name': 'a\u00a0b' }), await send('/nbsp', { 'x-name': 'a b' })]
        assert.deepEqual(answers.map((answer) => answer.text), ['x-name=61a062', 'x-name=612062'], JSON.stringify(options))
        assert.equal(origin.count(), 2)
      }
    })
  })
}
