/**
 * Store faults on every backend whose store is a server (Redis, MongoDB, DynamoDB): the server down when the backend is
 * created, killed mid-run, slow, or accepting connections and never answering (a proxy of the test's own). Whatever the
 * store does, every request is answered from the network, within the backend's timeout; store errors are reported;
 * nothing is left unhandled, no listener or connection piles up, memory stays flat; and the cache works again by
 * itself once the store answers.
 */
import assert from 'node:assert/strict'
import { test, type TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { CacheBackend } from 'undici-client-cache'
import { viaRequest, type Answer } from './helpers/clients.js'
import { heapAfterGc, load, pendingTimers, settlesWithin, watchFaults, type Load, type Watch } from './helpers/faults.js'
import type { Origin } from './helpers/origin.js'
import { startProxy, type Proxy } from './helpers/proxy.js'
import { hitsAgain } from './helpers/recovery.js'
import { ownServer } from './helpers/server-processes.js'
import { FAULT_RETRY_AFTER, FAULT_TIMEOUT, listeners, networkedCases, type Listened, type NetworkedCase } from './helpers/store-servers.js'
import { setup } from './helpers/setup.js'

/** Long enough that only a call that waits for the hung store itself (which never answers) runs past it. */
const HANG = 10_000

interface FaultWorld {
  origin: Origin
  cache: CacheBackend
  watch: Watch
  /** Sends a GET and checks that it succeeded with the origin's body. */
  get (path: string): Promise<Answer>
}

/** The backend on the server (or proxy) at `port`, an origin, and a watch on the process. */
async function world (t: TestContext, backend: NetworkedCase, port: number): Promise<FaultWorld> {
  const watch = watchFaults(t)
  const { origin, dispatcher, cache } = await setup(t, { cache: backend.make(port) })
  const get = async (path: string): Promise<Answer> => {
    const answer = await viaRequest.send(origin.url + path, { dispatcher })
    assert.equal(answer.status, 200, path)
    assert.equal(answer.text, `hello GET ${path}`)
    return answer
  }
  return { origin, cache, watch, get }
}

/** A world whose backend reaches its own server through a proxy, warmed up; with the listeners its emitters hold now. */
async function proxiedWorld (t: TestContext, backend: NetworkedCase): Promise<(FaultWorld & { proxy: Proxy, emitters: Listened[], listening: number }) | undefined> {
  const server = await ownServer(t, backend.name)
  if (server === undefined) return undefined
  const proxy = await startProxy(t, server.port)
  const inside = await world(t, backend, proxy.port)
  await warmUp(inside.cache, inside.get, '/warm')
  const emitters = await backend.emitters(inside.cache)
  return { ...inside, proxy, emitters, listening: listeners(emitters) }
}

/** Once the store is open (a DynamoDB table created), stores a response at `path`, and checks that it is a hit. */
async function warmUp (cache: CacheBackend, get: FaultWorld['get'], path: string): Promise<void> {
  await cache.keyv
  await get(path)
  await cache.flush()
  assert.equal((await get(path)).cacheStatus?.hit, true)
}

/**
 * Asserts that none of a load's requests was answered from the cache (each one succeeded with the origin's body: `get`
 * checks it). That they did not wait on the store past its timeout is shown by the read timeouts the cache reports.
 */
function fromTheNetwork ({ answers }: Load): void {
  assert.equal(answers.filter((answer) => answer.cacheStatus?.hit === true).length, 0, 'no request is a hit while the store fails')
}

function reported (watch: Watch, operation: string, error: RegExp): boolean {
  return watch.errors.some((message) => message.operation === operation && error.test(String(message.error)))
}

for (const backend of networkedCases) {
  test(`${backend.name} down when the backend is created: requests go to the network; the cache works once the server starts`, async (t) => {
    const server = await ownServer(t, backend.name, { started: false })
    if (server === undefined) return
    const { origin, cache, watch, get } = await world(t, backend, server.port)
    fromTheNetwork(await load(get, 30, (i) => `/down${i}`, 5))
    assert.equal(origin.count(), 30)
    assert.ok(watch.errors.length > 0 && cache.counters.errors > 0, 'the failures are reported')
    await server.start()
    assert.ok(await hitsAgain(cache, get), 'a response is a hit once the server is up')
    watch.assertClean()
  })

  test(`${backend.name} killed mid-run: every request still succeeds from the network, and the cache works again once the server is back`, async (t) => {
    const server = await ownServer(t, backend.name)
    if (server === undefined) return
    const { origin, cache, watch, get } = await world(t, backend, server.port)
    await warmUp(cache, get, '/a')
    const emitters = await backend.emitters(cache)
    const before = listeners(emitters)

    await server.kill()
    const sent = origin.count()
    for (let i = 0; i < 3; i++) assert.equal((await get('/a')).cacheStatus?.hit, false, 'with the server down, requests go to the origin')
    fromTheNetwork(await load(get, 200, (i) => `/killed${i}`))
    assert.equal(origin.count(), sent + 203)
    await assert.rejects(cache.clear(), 'a management call reports the failure')
    assert.ok(watch.errors.length > 0, 'the failures are published on the error channel')
    assert.equal(listeners(emitters), before, 'failing requests leave no listener behind')

    await server.start()
    assert.ok(await hitsAgain(cache, get), 'a response is a hit again after the server came back')
    assert.equal(listeners(emitters), before)
    watch.assertClean()
  })

  test(`${backend.name} that stops answering (a proxy holds its traffic): requests are answered from the network within the timeout, nothing piles up, the cache works again once it answers, and close() does not wait for it`, async (t) => {
    const proxied = await proxiedWorld(t, backend)
    if (proxied === undefined) return
    const { proxy, cache, watch, get, emitters, listening } = proxied

    proxy.setMode('hang')
    fromTheNetwork(await load(get, 100, (i) => `/first${i % 40}`)) // the requests that find out the store hangs
    assert.ok(reported(watch, 'read', new RegExp(`took longer than ${FAULT_TIMEOUT} ms`)), 'the timeouts are published on the error channel')
    // What the process holds once the store operations in flight have been given up on.
    const samples: Array<{ heap: number, timers: number, connections: number }> = []
    const sample = async (): Promise<void> => {
      await sleep(FAULT_TIMEOUT + 100)
      samples.push({ heap: heapAfterGc(), timers: pendingTimers(), connections: proxy.open })
    }
    for (const batch of ['second', 'third']) {
      const errors = cache.counters.errors
      const hung = await load(get, 300, (i) => `/${batch}${i % 40}`)
      fromTheNetwork(hung)
      // The store is tried again by one request per retryAfter (and its timeout), not by every request.
      const tries = cache.counters.errors - errors
      assert.ok(tries <= 2 + 2 * hung.elapsed / FAULT_RETRY_AFTER, `${tries} store operations failed in ${Math.round(hung.elapsed)} ms`)
      await sample()
    }
    for (let i = 0; i < 5; i++) { // five more tries of the store, each given up on
      await sleep(FAULT_RETRY_AFTER + 10)
      fromTheNetwork(await load(get, 1, () => `/try${i}`, 1))
    }
    await sample()
    const [before, , after] = samples as [typeof samples[0], unknown, typeof samples[0]]
    const grown = after.heap - before.heap
    assert.ok(grown < 4 * 1024 * 1024, `the heap grew by ${Math.round(grown / 1024)} KiB over 300 requests and 5 tries of a hung store`)
    assert.ok(after.timers <= before.timers + 2, `timers: ${before.timers}, then ${after.timers}`)
    assert.ok(after.connections <= before.connections + 1, `connections to the store: ${before.connections}, then ${after.connections}`)
    assert.equal(listeners(emitters), listening, 'no listener piles up')

    proxy.setMode('pass')
    assert.ok(await hitsAgain(cache, get), 'a response is a hit again once the store answers')
    assert.equal((await get('/warm')).cacheStatus?.hit, true, 'what was stored before is still served')
    assert.equal(listeners(emitters), listening)

    proxy.setMode('hang') // once more, to close the backend while the store does not answer (a read of it pending)
    await get('/last')
    assert.ok(await settlesWithin(cache.close(), HANG), 'close() does not wait for a store that does not answer')
    watch.assertClean()
  })

  test(`${backend.name} that is slow: hits while it answers within the timeout; past it, requests go to the network; the cache works again once it is quick`, async (t) => {
    const proxied = await proxiedWorld(t, backend)
    if (proxied === undefined) return
    const { proxy, cache, watch, get, emitters, listening: before } = proxied

    proxy.setMode({ delay: FAULT_TIMEOUT / 8 }) // a round trip well within the timeout
    assert.equal((await get('/warm')).cacheStatus?.hit, true, 'a slow store still answers hits')
    await get('/slow')
    await cache.flush()
    assert.equal((await get('/slow')).cacheStatus?.hit, true, 'and stores responses')

    proxy.setMode({ delay: 2 * FAULT_TIMEOUT }) // every answer comes after the timeout
    fromTheNetwork(await load(get, 100, (i) => `/slower${i % 40}`))
    assert.ok(reported(watch, 'read', new RegExp(`took longer than ${FAULT_TIMEOUT} ms`)), 'the timeouts are published on the error channel')

    proxy.setMode('pass')
    assert.ok(await hitsAgain(cache, get), 'a response is a hit again once the store is quick')
    assert.equal(listeners(emitters), before, 'no listener piles up')
    watch.assertClean()
  })
}
