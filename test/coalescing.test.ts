/** Coalescing: identical concurrent misses make one origin request (the leader's); the others wait for what it stores. */
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import { test, type TestContext } from 'node:test'
import type { CacheOptions } from 'undici-client-cache'
import { viaFetch, viaRequest, type Answer } from './helpers/clients.js'
import { setup, type World } from './helpers/setup.js'
import { request } from './helpers/undici.js'

/** Large enough to reach the callers in many chunks. */
const BODY = 'one chunk of a long body; '.repeat(5000)

/** How the origin answers its `nth` request (from 1). */
type Respond = (req: IncomingMessage, res: ServerResponse, nth: number) => void

const cacheable: Respond = (_req, res) => {
  res.setHeader('cache-control', 'max-age=60')
  res.end(BODY)
}

interface Held extends World {
  url: string
  /** For each request the origin received, in order: how many it had answered (or hung up on) by then. */
  answeredBefore: number[]
}

/** A world whose origin holds every request for 200 ms, then answers it with `respond`. */
async function heldOrigin (t: TestContext, options: CacheOptions = {}, respond: Respond = cacheable): Promise<Held> {
  const answeredBefore: number[] = []
  let answered = 0
  const world = await setup(t, options, async (req, res) => {
    const nth = answeredBefore.push(answered)
    await sleep(200)
    respond(req, res, nth)
    answered++
  })
  return { ...world, url: `${world.origin.url}/shared`, answeredBefore }
}

function concurrently<T> (n: number, send: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => send(i)))
}

function assertFullBody (answer: Answer, status = 200): void {
  assert.equal(answer.status, status)
  assert.ok(answer.text === BODY, `the full body (got ${answer.body.length} of ${BODY.length} bytes)`)
}

/** The answers, split into the one that went to the origin and those that shared its response. */
function byRole (answers: Answer[]): { leaders: Answer[], followers: Answer[] } {
  return { leaders: answers.filter((a) => a.cacheStatus?.collapsed !== true), followers: answers.filter((a) => a.cacheStatus?.collapsed === true) }
}

/** For the tests whose failure would be a request that never settles. */
const hangs = { timeout: 10_000 }

function assertCollapsed (answer: Answer): void {
  const { ttl, ...status } = answer.cacheStatus ?? { hit: false }
  assert.deepEqual(status, { hit: false, fwd: 'uri-miss', collapsed: true })
  assert.ok(ttl !== undefined && ttl > 50, `ttl ${String(ttl)}: the leader's max-age=60`)
}

for (const consumer of [viaRequest, viaFetch]) {
  test(`${consumer.name}: 100 identical concurrent GETs make one origin request; the 99 others share its response`, async (t) => {
    const { origin, dispatcher, url } = await heldOrigin(t)
    const answers = await concurrently(100, () => consumer.send(url, { dispatcher }))
    assert.equal(origin.count(), 1)
    for (const answer of answers) assertFullBody(answer)
    const { leaders, followers } = byRole(answers)
    assert.deepEqual(leaders.map((a) => a.cacheStatus), [{ hit: false, fwd: 'uri-miss', stored: true, ttl: 60 }])
    assert.equal(followers.length, 99)
    for (const answer of followers) assertCollapsed(answer)
    assert.equal((await consumer.send(url, { dispatcher })).cacheStatus?.hit, true)
    assert.equal(origin.count(), 1)
  })
}

test('coalesce: false: every concurrent request goes to the origin', async (t) => {
  const { origin, dispatcher, url } = await heldOrigin(t, { coalesce: false })
  const answers = await concurrently(20, () => viaRequest.send(url, { dispatcher }))
  assert.equal(origin.count(), 20)
  for (const answer of answers) {
    assertFullBody(answer)
    assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'uri-miss', stored: true, ttl: 60 })
  }
})

/** Responses that will not be stored: the leader releases its waiters, which then go to the origin themselves. */
const unstorable: Array<{ name: string, options?: CacheOptions, respond: Respond, status?: number, detail?: string }> = [
  { name: 'Cache-Control: no-store', respond: (_req, res) => { res.setHeader('cache-control', 'no-store'); res.end(BODY) }, detail: 'no-store' },
  { name: 'a status not in allowedCodes (500)', respond: (req, res, nth) => { res.statusCode = 500; cacheable(req, res, nth) }, status: 500, detail: 'status' },
  { name: 'a body over maxBodySize (by its Content-Length)', options: { maxBodySize: 1000 }, respond: cacheable, detail: 'too-large' },
  {
    // (Known too large only once the body has gone past the limit.)
    name: 'a body over maxBodySize (chunked)',
    options: { maxBodySize: 1000 },
    respond: (_req, res) => {
      res.setHeader('cache-control', 'max-age=60')
      res.write(BODY.slice(0, 1000))
      res.end(BODY.slice(1000))
    }
  }
]

for (const { name, options, respond, status, detail } of unstorable) {
  test(`${name}: the waiting requests are released to the origin, and all get the response`, hangs, async (t) => {
    const { origin, dispatcher, url, answeredBefore } = await heldOrigin(t, options, respond)
    const answers = await concurrently(20, () => viaRequest.send(url, { dispatcher }))
    assert.equal(origin.count(), 20)
    assert.ok(answeredBefore.slice(1).every((n) => n >= 1), `the 19 others reached the origin once the first had been answered: ${answeredBefore.join(',')}`)
    for (const answer of answers) {
      assertFullBody(answer, status)
      assert.equal(answer.cacheStatus?.collapsed, undefined)
      if (detail !== undefined) assert.equal(answer.cacheStatus?.detail, detail)
    }
  })
}

test('the leader fails: its caller gets the error, the waiting requests go to the origin and succeed', hangs, async (t) => {
  const { origin, dispatcher, url, answeredBefore } = await heldOrigin(t, {}, (req, res, nth) => nth === 1 ? req.socket.destroy() : cacheable(req, res, nth))
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => viaRequest.send(url, { dispatcher })))
  const failed = results.filter((result) => result.status === 'rejected')
  assert.equal(failed.length, 1)
  assert.equal((failed[0]?.reason as { code?: string }).code, 'UND_ERR_SOCKET')
  for (const result of results) if (result.status === 'fulfilled') assertFullBody(result.value)
  assert.equal(origin.count(), 20)
  assert.ok(answeredBefore.slice(1).every((n) => n >= 1), 'the others waited for the leader first')
})

test('a waiting request that is aborted rejects alone: the leader and the other waiting requests get the full body', hangs, async (t) => {
  const { origin, dispatcher, url } = await heldOrigin(t)
  const before = concurrently(5, () => viaRequest.send(url, { dispatcher }))
  // The leader is at the origin (held 200 ms) before this one starts, and this one waits for it before being aborted.
  await sleep(50)
  const controller = new AbortController()
  const aborted = request(url, { dispatcher, signal: controller.signal })
  const after = concurrently(4, () => viaRequest.send(url, { dispatcher }))
  await sleep(50)
  controller.abort()
  await assert.rejects(aborted, { name: 'AbortError' })
  const answers = [...await before, ...await after]
  for (const answer of answers) assertFullBody(answer)
  assert.equal(byRole(answers).followers.length, 8)
  assert.equal(origin.count(), 1)
  assert.equal((await viaRequest.send(url, { dispatcher })).cacheStatus?.hit, true, 'the leader stored its response')
})

test('10,000 distinct keys leave no leader behind: each key gets a new leader afterwards', { timeout: 30_000 }, async (t) => {
  const { origin, dispatcher, cache } = await setup(t)
  // Stored, not storable, and a status that is not stored, in turn (the echo origin answers at once).
  const kinds = ['cc=max-age=60', 'cc=no-store', 'status=500']
  const path = (i: number): string => `/k/${i}?${kinds[i % 3]}`
  for (let start = 0; start < 10_000; start += 200) {
    const answers = await concurrently(200, (i) => viaRequest.send(`${origin.url}${path(start + i)}`, { dispatcher }))
    answers.forEach((answer, i) => assert.equal(answer.text, `hello GET ${path(start + i)}`))
  }
  assert.equal(origin.count(), 10_000)
  assert.equal((await viaRequest.send(`${origin.url}${path(0)}`, { dispatcher })).cacheStatus?.hit, true)
  await cache.clear()
  // A leader left in flight would hang these pairs, or answer a stored key's pair from its old outcome without the origin.
  for (const i of [0, 1, 2, 4_998, 9_997, 9_998, 9_999]) {
    const before = origin.count()
    const pair = await concurrently(2, () => viaRequest.send(`${origin.url}${path(i)}`, { dispatcher }))
    assert.equal(origin.count() - before, i % 3 === 0 ? 1 : 2, `key ${i}`)
    assert.equal(byRole(pair).followers.length, i % 3 === 0 ? 1 : 0, `key ${i}`)
  }
})

test('different keys never coalesce: other URLs, other credentials', async (t) => {
  const { origin, dispatcher } = await heldOrigin(t, { cacheAuthorized: true }, (req, res) => {
    res.setHeader('cache-control', 'max-age=60')
    res.end(`${String(req.url)} ${req.headers.authorization ?? 'anonymous'}`)
  })
  const requests: Array<[string, string?]> = [['/one'], ['/two'], ['/one', 'Bearer a'], ['/one', 'Bearer b']]
  const answers = await Promise.all(requests.map(([path, authorization]) =>
    viaRequest.send(`${origin.url}${path}`, { dispatcher, headers: authorization === undefined ? {} : { authorization } })))
  assert.equal(origin.count(), 4)
  answers.forEach((answer, i) => {
    assert.equal(answer.text, `${requests[i]![0]} ${requests[i]![1] ?? 'anonymous'}`)
    assert.deepEqual(answer.cacheStatus, { hit: false, fwd: 'uri-miss', stored: true, ttl: 60 })
  })
})

// (The second variant, stored after the first wrote the URL's index, must reuse that index, not orphan the first.)
test('concurrent first requests for two variants: each gets its own, and both are stored', async (t) => {
  const { origin, dispatcher, url } = await heldOrigin(t, {}, (req, res) => {
    res.setHeader('vary', 'Accept')
    res.setHeader('cache-control', 'max-age=60')
    res.end(`for ${String(req.headers.accept)}`)
  })
  const accepts = ['text/html', 'application/json']
  const send = (accept: string): Promise<Answer> => viaRequest.send(url, { dispatcher, headers: { accept } })
  const answers = await Promise.all(accepts.map(send))
  assert.deepEqual(answers.map((answer) => answer.text), ['for text/html', 'for application/json'])
  assert.equal(origin.count(), 2)
  for (const accept of accepts) {
    const answer = await send(accept)
    assert.equal(answer.text, `for ${accept}`)
    assert.equal(answer.cacheStatus?.hit, true, `${accept} is a hit`)
  }
  assert.equal(origin.count(), 2)
})
