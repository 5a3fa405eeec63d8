// The soak load: concurrent clients sending requests through one dispatcher over a mix of URLs, every answer checked,
// while events (the store's server killed, restarted, cleared…) happen at given points of the run.
import { request } from 'undici'
import { parseCacheStatus } from 'undici-client-cache'

/** The URLs: `long` of them cached for an hour, `short` for a second (they expire again and again during the run). */
export const URLS = { long: 400, short: 100 }
/** The share of requests that are DELETEs (each invalidates what is stored for its URL). */
const DELETES = 0.01

/** What the origin (bench/origin-server.mjs) answers under any path but /100k: 1 KiB of 'a'. */
const BODY = Buffer.alloc(1024, 'a')

/** A small seeded generator (mulberry32), so that every run sends the same requests. */
function random (seed) {
  return () => {
    seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The requests of a run: `{ method, path }`, over URLS, DELETES among them. */
function plan (count) {
  const next = random(7)
  const all = URLS.long + URLS.short
  return Array.from({ length: count }, () => {
    const n = Math.floor(next() * all)
    const path = n < URLS.long ? `/item/${n}` : `/short/${n - URLS.long}`
    return { method: next() < DELETES ? 'DELETE' : 'GET', path }
  })
}

/**
 * Sends `requests` requests from `clients` concurrent clients. `events` are `{ at, label, run }`: `run()` starts (the
 * clients do not wait for it) once `at` (a share, 0 to 1) of the requests have been sent. Resolves what happened:
 * `latencies` (ms) and `hit` (1 for a GET answered from the cache, 0 for another GET, -1 for a DELETE or a failure),
 * each by request in the order sent; `errors`, the requests that failed or got a wrong answer; the events' failures.
 */
export async function soak ({ dispatcher, origin, requests, clients, events = [] }) {
  const sent = plan(requests)
  const latencies = new Float64Array(requests)
  const hit = new Int8Array(requests).fill(-1)
  const errors = []
  const pending = events.map((event) => ({ ...event, index: Math.floor(event.at * requests) }))
  const started = []
  let next = 0

  async function one (index) {
    const { method, path } = sent[index]
    const began = performance.now()
    try {
      const res = await request(origin + path, { dispatcher, method })
      const body = Buffer.from(await res.body.arrayBuffer())
      latencies[index] = performance.now() - began
      if (res.statusCode !== 200 || !body.equals(BODY)) {
        errors.push({ method, path, error: `status ${res.statusCode}, ${body.length} bytes${body.equals(BODY) ? '' : ' (not the body sent)'}` })
        return
      }
      if (method === 'GET') hit[index] = parseCacheStatus(res.headers)?.hit === true ? 1 : 0
    } catch (error) {
      latencies[index] = performance.now() - began
      errors.push({ method, path, error: String(error) })
    }
  }

  const began = performance.now()
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < requests) {
      const index = next++
      while (pending.length > started.length && index >= pending[started.length].index) {
        const event = pending[started.length]
        started.push(Promise.resolve().then(event.run).then(() => undefined, (error) => `${event.label}: ${error}`))
      }
      await one(index)
    }
  }))
  const seconds = (performance.now() - began) / 1000
  const eventFailures = (await Promise.all(started)).filter((failure) => failure !== undefined)
  return { latencies, hit, errors, seconds, eventFailures }
}
