// Operating a cache: watch it through its diagnostics channels, read its stats, find entries by URL glob, refresh some,
// purge others, and see the same cache from the command line.
//
// Run: npm run build && node examples/operating.mjs
import { subscribe } from 'node:diagnostics_channel'
import { execFileSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { CHANNEL_NAMES, cacheInterceptor, SQLiteBackend } from 'undici-client-cache'
import { startOrigin } from './lib/local-origin.mjs'

// 1. Metrics from the channels: a counter per event and host, as an exporter would keep them.
const counts = new Map()
for (const event of ['hit', 'miss', 'store', 'revalidate', 'error']) {
  subscribe(CHANNEL_NAMES[event], (message) => {
    const name = `${event}{host="${message.url ? new URL(message.url).host : '-'}"}`
    counts.set(name, (counts.get(name) ?? 0) + 1)
  })
}

const origin = await startOrigin((req, res) => {
  res.setHeader('content-type', 'application/json')
  res.setHeader('cache-control', req.url.startsWith('/news') ? 'max-age=1' : 'max-age=3600')
  res.end(JSON.stringify({ path: req.url }))
})
const file = join(tmpdir(), 'undici-client-cache-operating.sqlite')
const interceptor = cacheInterceptor({ cache: new SQLiteBackend(file) })
const cache = interceptor.cache
const dispatcher = new Agent().compose(interceptor)
await cache.clear()

const get = async (path) => (await request(origin.url + path, { dispatcher })).body.text()
for (const path of ['/users/1', '/users/2', '/users/3', '/news/today', '/config']) await get(path)
for (const path of ['/users/1', '/users/2', '/config']) await get(path)
await cache.flush()
console.log('metrics:', Object.fromEntries(counts))

// 2. What the store holds, and what this process did.
console.log('stats:', await cache.stats())

// 3. Find entries by glob, and make them stale so that their next use revalidates them.
for await (const entry of cache.entries({ urls: [`${origin.url}/users/*`] })) console.log('found', entry.status, entry.url, `${entry.size} bytes`)
console.log('made stale:', await cache.resetExpiration(0, { urls: [`${origin.url}/users/*`] }))

// 4. Purge: the users, with progress, then whatever has expired by now.
const deleted = await cache.delete({ urls: ['*/users/*'] }, { onProgress: ({ deleted, total }) => console.log(`  purging ${deleted}/${total}`) })
console.log('deleted:', deleted)
await new Promise((resolve) => setTimeout(resolve, 1100)) // /news/today expires after 1 s
console.log('expired entries purged:', await cache.deleteExpired())
await cache.close()

// 5. The same cache from a shell.
const cli = join(import.meta.dirname, '..', 'dist', 'cli.js')
console.log(`\n$ undici-client-cache sqlite:${file} list`)
console.log(execFileSync(process.execPath, [cli, `sqlite:${file}`, 'list'], { encoding: 'utf8' }))

await dispatcher.close()
await origin.close()
// (What this example must show: 3 hits of 8 requests, 3 users deleted, the expired news purged, the config left.)
if (counts.get(`hit{host="${new URL(origin.url).host}"}`) !== 3 || deleted !== 3 || origin.requests() !== 5) process.exitCode = 1
