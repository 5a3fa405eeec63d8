// Expiry chosen by URL pattern. Responses are fresh for one hour by default, image URLs of one origin for a
// week, and everything from a second origin forever. Two local servers stand in for two websites; they are
// told apart by host name (`localhost` and `127.0.0.1`, both loopback). Each URL is fetched twice: the first
// round stores the responses, the second is answered from the cache. The ttl column is the freshness left,
// as reported in the Cache-Status header (none = never expires).
//
// Run: npm run build && node examples/url-patterns.mjs
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { cacheInterceptor, NEVER_EXPIRE, parseCacheStatus, SQLiteBackend } from 'undici-client-cache'
import { startOrigin } from './lib/local-origin.mjs'

// Site one: a JSON API with an image endpoint. Site two: a photo service.
const api = await startOrigin((req, res) => {
  const isImage = req.url.startsWith('/image/')
  res.setHeader('content-type', isImage ? 'image/jpeg' : 'application/json')
  res.end(isImage ? Buffer.alloc(2048, 0xff) : JSON.stringify({ url: req.url }))
})
const photos = await startOrigin((req, res) => {
  res.setHeader('content-type', 'image/jpeg')
  res.end(Buffer.alloc(4096, 0xd8))
})

const interceptor = cacheInterceptor({
  cache: new SQLiteBackend(join(tmpdir(), 'undici-client-cache-url-patterns.sqlite')),
  expireAfter: 3600, // the default for any URL no pattern matches: one hour
  urlsExpireAfter: {
    [`localhost:${api.port}/image`]: '7d', // everything under /image on site one: a week
    [`127.0.0.*:${photos.port}`]: NEVER_EXPIRE // anything on site two, whatever the 127.0.0.x host: never
  }
})
const dispatcher = new Agent().compose(interceptor)
await interceptor.cache.clear()

const urls = [
  `http://localhost:${api.port}/get`, // 1 hour
  `http://localhost:${api.port}/image/jpeg`, // 7 days
  `http://127.0.0.1:${photos.port}/460/300` // never
]

function describeTtl (ttl) {
  if (ttl === undefined) return 'never expires'
  if (ttl >= 86400) return `${ttl} s (~${Math.round(ttl / 86400)} d)`
  return `${ttl} s (~${Math.round(ttl / 3600)} h)`
}

for (const round of ['first round (cold)', 'second round (from the cache)']) {
  console.log(`${round}:`)
  const answers = await Promise.all(urls.map(async (url) => {
    const res = await request(url, { dispatcher })
    await res.body.arrayBuffer()
    return { url, status: parseCacheStatus(res.headers) }
  }))
  for (const { url, status } of answers) {
    const label = status.hit ? 'hit' : `miss${status.stored ? ' (stored)' : ''}`
    console.log(`  ${url.padEnd(40)} ${label.padEnd(14)} ttl: ${describeTtl(status.ttl)}`)
  }
}
console.log(`requests that reached the servers: ${api.requests() + photos.requests()}`)

await dispatcher.close()
await interceptor.cache.close()
await Promise.all([api.close(), photos.close()])
