// Many processes, one cache: three worker processes share a Redis cache, so a response fetched by one is a hit in the
// others. Needs a Redis server: REDIS_URL (default redis://127.0.0.1:6379), e.g. `npm run services:start` and
// REDIS_URL=redis://127.0.0.1:16379. Run it with: node examples/shared-redis.mjs
import { fork } from 'node:child_process'
import { Agent, request } from 'undici'
import { cacheInterceptor, parseCacheStatus, RedisBackend } from '../dist/index.js'
import { startOrigin, sleep } from './lib/local-origin.mjs'

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

if (process.argv[2] === 'worker') {
  // A worker: fetch the same three URLs through the shared cache and report what the cache did.
  const [, , , origin, cacheName] = process.argv
  const cache = new RedisBackend(cacheName, { url: redisUrl })
  const dispatcher = new Agent().compose(cacheInterceptor({ cache, expireAfter: '10m' }))
  const lines = []
  for (const path of ['/users', '/orders', '/products']) {
    const res = await request(origin + path, { dispatcher })
    await res.body.text()
    lines.push(`${path}: ${parseCacheStatus(res.headers)?.hit ? 'hit' : 'miss (stored)'}`)
  }
  console.log(`worker ${process.pid}: ${lines.join(', ')}`)
  await cache.close()
  await dispatcher.close()
} else {
  const origin = await startOrigin(async (req, res) => {
    await sleep(200) // a slow API
    res.end(`data for ${req.url}`)
  })
  const cacheName = `example_${process.pid}`
  const run = () => new Promise((resolve, reject) => {
    fork(new URL(import.meta.url).pathname, ['worker', origin.url, cacheName]).on('exit', (code) => code === 0 ? resolve() : reject(new Error(`worker exited ${code}`)))
  })
  for (let i = 0; i < 3; i++) await run() // one after another: the first fetches, the others hit
  console.log(`3 processes made 9 requests; the origin received ${origin.requests()}`)
  const cache = new RedisBackend(cacheName, { url: redisUrl })
  await cache.clear()
  await cache.close()
  await origin.close()
}
