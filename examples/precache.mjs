// Precaching: fetch a web page, find every link on it, and fetch all the links at once so that they are all
// stored in a SQLite cache. A local server plays the website: its front page links to 50 articles, each
// taking 20-50 ms to produce a body of a few dozen KB. The run is done twice, each time with a fresh
// dispatcher and a freshly opened cache file: the first run is cold and fills the cache, the second finds
// everything already stored, so it is much faster and adds nothing to the file.
//
// Run: npm run build && node examples/precache.mjs
import { rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { cacheInterceptor, SQLiteBackend } from 'undici-client-cache'
import { sleep, startOrigin } from './lib/local-origin.mjs'

const CACHE_FILE = join(tmpdir(), 'undici-client-cache-precache.sqlite')
const ARTICLES = 50
const HREF = /href="(.*?)"/g

const site = await startOrigin(async (req, res) => {
  if (req.url === '/') {
    const links = Array.from({ length: ARTICLES }, (_, i) => `<li><a href="/articles/${i + 1}">Article ${i + 1}</a></li>`)
    res.setHeader('content-type', 'text/html')
    res.end(`<!doctype html><title>News</title><ul>\n${links.join('\n')}\n</ul><a href="/articles/1">Top story</a>`)
    return
  }
  const n = Number(req.url.split('/').pop())
  await sleep(20 + (n % 31)) // 20-50 ms of "work"
  res.setHeader('content-type', 'text/html')
  res.end(`<p>Article ${n}</p>` + `<p>${'All the news that fits in a cache. '.repeat(600 + 40 * n)}</p>`)
})

/** The cache file's size on disk, write-ahead log included (the cache runs in WAL mode). */
function cacheBytes () {
  let total = 0
  for (const file of [CACHE_FILE, `${CACHE_FILE}-wal`]) {
    try { total += statSync(file).size } catch { /* not there (yet) */ }
  }
  return total
}

/** Fetches the page and returns the absolute URLs of the links it holds, without duplicates. */
async function pageLinks (dispatcher, pageUrl) {
  console.log(`Finding all links on page: ${pageUrl}`)
  const res = await request(pageUrl, { dispatcher })
  const html = await res.body.text()
  const links = new Set([...html.matchAll(HREF)].map(([, href]) => new URL(href, pageUrl).href))
  console.log(`Found ${links.size} links`)
  return [...links]
}

async function precache (pageUrl) {
  const startTime = performance.now()
  const startBytes = cacheBytes()
  const interceptor = cacheInterceptor({ cache: new SQLiteBackend(CACHE_FILE) })
  const dispatcher = new Agent().compose(interceptor)

  const links = await pageLinks(dispatcher, pageUrl)
  let done = 0
  // On a terminal the line is redrawn after every response; in a log only the final count is written.
  const progress = () => {
    if (process.stdout.isTTY || done === links.length) process.stdout.write(`\rcached ${done}/${links.length}`)
  }
  progress()
  await Promise.all(links.map(async (link) => {
    try {
      const res = await request(link, { dispatcher })
      await res.body.arrayBuffer()
    } catch (error) {
      console.log(`\nfailed to fetch ${link}: ${error.message}`)
    }
    done++
    progress()
  }))
  process.stdout.write('\n')

  await dispatcher.close()
  await interceptor.cache.close() // writes the pending entries, then checkpoints the WAL into the file
  const seconds = (performance.now() - startTime) / 1000
  const megabytes = (cacheBytes() - startBytes) / 1024 / 1024
  console.log(`Completed run in ${seconds.toFixed(3)} s and cached ${megabytes.toFixed(3)} MB`)
}

// Start from no cache file at all, so the first run is cold and its growth shows. (`cache.clear()` would empty
// the cache too, but SQLite keeps the freed pages, so the file would not grow on the next run.)
for (const suffix of ['', '-wal', '-shm']) rmSync(`${CACHE_FILE}${suffix}`, { force: true })

for (const run of ['cold', 'warm']) {
  console.log(`\n== ${run} run ==`)
  const before = site.requests()
  await precache(`${site.url}/`)
  console.log(`(the site received ${site.requests() - before} requests)`)
}
await site.close()
