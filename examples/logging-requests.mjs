// Checking that the cache really saves requests: send the same request ten times, then compare how many
// responses the cache holds with how many requests the server actually received (it counts them itself;
// no mocking needed). Both numbers should be 1. Set VERBOSE=1 to print every Cache-Status and cached URL,
// and NODE_DEBUG=undici-client-cache to see the library's own debug log.
//
// Run: npm run build && node examples/logging-requests.mjs
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { cacheInterceptor, SQLiteBackend } from 'undici-client-cache'
import { startOrigin } from './lib/local-origin.mjs'

const origin = await startOrigin((req, res) => {
  res.setHeader('content-type', 'application/json')
  res.end(JSON.stringify({ url: req.url, headers: req.headers }))
})
const interceptor = cacheInterceptor({ cache: new SQLiteBackend(join(tmpdir(), 'undici-client-cache-logging.sqlite')) })
const dispatcher = new Agent().compose(interceptor)
await interceptor.cache.clear()

// Replace these with the requests you want to check.
for (let i = 0; i < 10; i++) {
  const res = await request(`${origin.url}/get`, { dispatcher })
  await res.body.arrayBuffer()
  if (process.env.VERBOSE) console.log(`response ${i}: ${res.headers['cache-status']}`)
}

await interceptor.cache.flush() // make sure every store has finished before counting
let cached = 0
for await (const url of interceptor.cache.urls()) {
  if (process.env.VERBOSE) console.log(`cached: ${url}`)
  cached++
}
console.log(`Responses cached: ${cached}`)
console.log(`Requests sent: ${origin.requests()}`)

await dispatcher.close()
await interceptor.cache.close()
await origin.close()
if (cached !== 1 || origin.requests() !== 1) process.exitCode = 1
