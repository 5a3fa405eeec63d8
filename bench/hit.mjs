// A first side-by-side of the cache-hit path: sequential `undici.request` calls against a local origin that
// answers `cache-control: max-age=3600`, through a plain Agent, undici's built-in cache, and this cache on the
// memory and SQLite backends. Configurations are interleaved in rounds; the median round is reported.
// Run: npm run bench   (builds first). The full benchmark of issue 5 will grow from this.
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, interceptors, request } from 'undici'
import { cacheInterceptor, MemoryBackend, SQLiteBackend } from 'undici-client-cache'

const ROUNDS = 5
const REQUESTS = 2000
const body = Buffer.alloc(1024, 'x')
const server = createServer((_req, res) => {
  res.setHeader('cache-control', 'max-age=3600')
  res.end(body)
})
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const url = `http://127.0.0.1:${server.address().port}/item`

const sqlite = cacheInterceptor({ cache: new SQLiteBackend(join(tmpdir(), `ucc-bench-${process.pid}`)) })
const configs = {
  'plain Agent (network)': new Agent(),
  'undici interceptors.cache() (memory)': new Agent().compose(interceptors.cache()),
  'undici-client-cache, MemoryBackend': new Agent().compose(cacheInterceptor({ cache: new MemoryBackend() })),
  'undici-client-cache, SQLiteBackend': new Agent().compose(sqlite)
}

async function run (dispatcher) {
  const start = process.hrtime.bigint()
  for (let i = 0; i < REQUESTS; i++) {
    const res = await request(url, { dispatcher })
    await res.body.arrayBuffer()
    // Let undici's body clean-up run, as a real program between requests would.
    if (i % 64 === 0) await new Promise(setImmediate)
  }
  return Number(process.hrtime.bigint() - start) / 1e9
}

const results = Object.fromEntries(Object.keys(configs).map((name) => [name, []]))
for (const dispatcher of Object.values(configs)) await run(dispatcher) // warm up: fill every cache
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, dispatcher] of Object.entries(configs)) results[name].push(REQUESTS / await run(dispatcher))
}

const median = (values) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]
const plain = median(results['plain Agent (network)'])
const builtin = median(results['undici interceptors.cache() (memory)'])
console.log(`Node ${process.version}, ${REQUESTS} sequential requests × ${ROUNDS} rounds, 1 KiB body, median round\n`)
console.log('| configuration | requests/s | vs plain Agent | vs undici built-in |')
console.log('| --- | ---: | ---: | ---: |')
for (const [name, values] of Object.entries(results)) {
  const rate = median(values)
  console.log(`| ${name} | ${Math.round(rate).toLocaleString('en')} | ${(rate / plain).toFixed(2)}× | ${(rate / builtin).toFixed(2)}× |`)
}

await Promise.all(Object.values(configs).map((dispatcher) => dispatcher.close()))
await sqlite.cache.clear()
await sqlite.cache.close()
server.close()
