/**
 * Caches written by each entry format, kept as committed files (test/fixtures/cache-v<version>.sqlite, described in
 * fixtures/cache-fixture.ts). A file of the current format is read: every response it holds is a hit, byte for byte,
 * through request and fetch. A file of another format is discarded cleanly: nothing in it is served, every request is
 * a miss whose response overwrites the old entry, deleteExpired() deletes the rest, and the cache works as new.
 */
import assert from 'node:assert/strict'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { ENTRY_VERSION, SQLiteBackend, type CacheBackend } from 'undici-client-cache'
import type { Dispatcher } from 'undici'
import { listUrls, tempDir } from './helpers/backends.js'
import { viaFetch, viaRequest, type Answer, type Consumer } from './helpers/clients.js'
import { startOrigin, type Origin } from './helpers/origin.js'
import { integrityOf, rowsOf } from './helpers/sqlite-file.js'
import { answeredRequests, expectedResponse, FIXTURE_HOST, FIXTURE_VERSIONS, fixtureDispatcher, fixtureFile, fixtureRoute, type FixtureRequest } from './fixtures/cache-fixture.js'

interface Opened { path: string, origin: Origin, cache: CacheBackend, dispatcher: Dispatcher }

/** A copy of the fixture (opening it switches it to WAL mode), opened through SQLiteBackend, with the fixture origin. */
async function openCopy (t: TestContext, version: number): Promise<Opened> {
  const path = join(tempDir(), 'cache.sqlite')
  copyFileSync(fileURLToPath(new URL(`../../test/fixtures/${fixtureFile(version)}`, import.meta.url)), path)
  const origin = await startOrigin(fixtureRoute)
  const cache = new SQLiteBackend(path)
  const dispatcher = fixtureDispatcher(cache, Number(new URL(origin.url).port))
  t.after(async () => {
    await Promise.allSettled([cache.close(), dispatcher.close(), origin.close()])
  })
  return { path, origin, cache, dispatcher }
}

async function send (consumer: Consumer, request: FixtureRequest, dispatcher: Dispatcher): Promise<Answer> {
  const { method, path, headers, body } = request
  return consumer.send(FIXTURE_HOST + path, { dispatcher, method, headers, body })
}

/** The answer is the response the origin gives this request: status, body bytes, and the headers that describe it. */
function assertAnswers (answer: Answer, request: FixtureRequest, what: string): void {
  const expected = expectedResponse(request)
  assert.equal(answer.status, expected.status, what)
  assert.ok(answer.body.equals(expected.body), `${what}: the body differs`)
  for (const [name, value] of Object.entries(expected.headers)) {
    if (name === 'set-cookie') assert.deepEqual(answer.setCookies, value, what)
    else assert.equal(answer.header(name), value, `${what}: ${name}`)
  }
}

/** Every row of the file is a readable entry (a response, a redirect's alias or a URL's index of variants). */
async function everyRowReadable ({ path, cache }: Opened): Promise<void> {
  for (const { key } of await rowsOf(path)) assert.notEqual(await cache.get(key), undefined, `the row ${key} is readable`)
}

const fixtureUrls = [
  'http://fixture.test/binary', 'http://fixture.test/empty', 'http://fixture.test/graphql', 'http://fixture.test/moved',
  'http://fixture.test/search?api_key=REDACTED&q=cats', 'http://fixture.test/stale', 'http://fixture.test/text', 'http://fixture.test/text',
  'http://fixture.test/vary', 'http://fixture.test/vary'
]

for (const version of FIXTURE_VERSIONS) {
  if (version === ENTRY_VERSION) {
    test(`${fixtureFile(version)}, written in the current entry format, is read: every response it holds is a hit, byte for byte`, async (t) => {
      const opened = await openCopy(t, version)
      const { origin, cache, dispatcher } = opened
      assert.equal(await integrityOf(opened.path), 'ok')
      assert.deepEqual(await listUrls(cache), fixtureUrls)
      await everyRowReadable(opened)
      for (const consumer of [viaRequest, viaFetch]) {
        for (const request of answeredRequests) {
          const what = `${consumer.name}: ${request.method} ${request.path}`
          const answer = await send(consumer, request, dispatcher)
          assert.equal(answer.cacheStatus?.hit, true, `${what} is a hit`)
          assertAnswers(answer, request, what)
        }
      }
      assert.equal(origin.count(), 0, 'nothing went to the origin')
      assert.equal(await cache.deleteExpired(), 1, 'the one expired entry is deleted')
      assert.equal(await cache.hasUrl(`${FIXTURE_HOST}/stale`), false)
      const fresh: FixtureRequest = { method: 'GET', path: '/written-now' }
      assert.equal((await send(viaRequest, fresh, dispatcher)).cacheStatus?.stored, true)
      assertAnswers(await send(viaRequest, fresh, dispatcher), fresh, 'a response written to the file now')
      assert.equal(origin.count(), 1)
    })
  } else {
    test(`${fixtureFile(version)}, written in entry format ${version}, is discarded cleanly: misses, overwritten; deleteExpired() deletes the rest`, async (t) => {
      const opened = await openCopy(t, version)
      const { cache, dispatcher } = opened
      const old = (await rowsOf(opened.path)).length
      assert.ok(old > 0)
      assert.deepEqual(await listUrls(cache), [], 'none of its entries is readable')
      for (const request of answeredRequests) {
        const what = `${request.method} ${request.path}`
        const answer = await send(viaRequest, request, dispatcher)
        assert.equal(answer.cacheStatus?.hit, false, `${what} is a miss`)
        assertAnswers(answer, request, what)
        assert.equal((await send(viaRequest, request, dispatcher)).cacheStatus?.hit, true, `${what}: its response was stored`)
      }
      const written = (await rowsOf(opened.path)).length
      assert.ok(await cache.deleteExpired() > 0, 'the old entries that were not overwritten are deleted')
      await everyRowReadable(opened)
      assert.ok((await rowsOf(opened.path)).length < written)
      assert.equal(await integrityOf(opened.path), 'ok')
    })
  }
}
