// The README example, offline: a local endpoint that takes one second to answer is fetched ten times with
// Node's global fetch, through a SQLite cache. Only the first request waits for the origin; the other nine
// are answered from the cache, so the whole run takes about one second instead of ten.
//
// Run: npm run demo   (or, after `npm run build`: node examples/demo.mjs)
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, setGlobalDispatcher } from 'undici'
import { cacheInterceptor, parseCacheStatus, SQLiteBackend } from 'undici-client-cache'
import { sleep, startOrigin } from './lib/local-origin.mjs'

const origin = await startOrigin(async (req, res) => {
  await sleep(1000) // a slow endpoint
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ path: req.url, servedAt: new Date().toISOString() }))
})

const interceptor = cacheInterceptor({ cache: new SQLiteBackend(join(tmpdir(), 'undici-client-cache-demo.sqlite')) })
const agent = new Agent().compose(interceptor)
setGlobalDispatcher(agent)
await interceptor.cache.clear() // start cold on every run

const url = `${origin.url}/delay/1`
const start = performance.now()
for (let i = 1; i <= 10; i++) {
  const t0 = performance.now()
  const res = await fetch(url)
  await res.arrayBuffer()
  const status = parseCacheStatus(res.headers)
  const label = status === undefined ? 'no Cache-Status' : status.hit ? 'hit' : `miss${status.stored ? ' (stored)' : ''}`
  console.log(`request ${String(i).padStart(2)}: ${(performance.now() - t0).toFixed(1).padStart(7)} ms  ${label}`)
}
const seconds = (performance.now() - start) / 1000
const calls = origin.requests()
console.log(`10 requests in ${seconds.toFixed(2)} s (the origin was called ${calls} time${calls === 1 ? '' : 's'}; without the cache this would take ~10 s)`)

await agent.close()
await interceptor.cache.close()
await origin.close()
if (calls > 1) process.exitCode = 1
