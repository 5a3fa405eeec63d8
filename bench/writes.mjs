// Write throughput: 1 KiB entries written straight into a backend with its public set(key, entry), one at a time
// (each awaited) and many at once (all started together, then flush()), as a busy process writes.
import { createHash } from 'node:crypto'
import { MemoryBackend, RedisBackend, SQLiteBackend } from 'undici-client-cache'
import { redisUrl, removeSqliteFiles, tempSqlitePath } from './configs.mjs'
import { probeRedis } from './probe.mjs'
import { median } from './stats.mjs'

const BODY = Buffer.alloc(1024, 'w')
const key = (label) => createHash('sha256').update(label).digest('hex')

function entry (i) {
  const now = Date.now()
  return {
    status: 200,
    statusText: 'OK',
    headers: [['cache-control', 'max-age=3600'], ['content-type', 'application/octet-stream'], ['content-length', '1024']],
    body: BODY,
    url: `http://bench.test/w/${i}`,
    method: 'GET',
    createdAt: now,
    expiresAt: now + 3_600_000,
    requestHeaders: {}
  }
}

/** Entries and distinct keys, made before the clock starts. */
function batch (label, count) {
  return Array.from({ length: count }, (_, i) => ({ key: key(`${label}/${i}`), entry: entry(`${label}/${i}`) }))
}

async function timed (fn) {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e9
}

const writers = {
  sequential: async (cache, items) => {
    for (const { key, entry } of items) await cache.set(key, entry)
  },
  concurrent: async (cache, items) => {
    const writes = items.map(({ key, entry }) => cache.set(key, entry))
    await cache.flush()
    await Promise.all(writes)
  }
}

/** A sample of what was written must come back whole. */
async function verify (cache, items) {
  for (const { key, entry } of [items[0], items[items.length >> 1], items[items.length - 1]]) {
    const back = await cache.get(key)
    if (back?.url !== entry.url || !BODY.equals(back.body)) return false
  }
  return true
}

async function backends (warn) {
  const sqlitePath = tempSqlitePath('writes')
  const list = [{ id: 'sqlite', name: 'SQLite', cache: new SQLiteBackend(sqlitePath), done: () => removeSqliteFiles(sqlitePath) }]
  const redis = await probeRedis(redisUrl)
  if (redis.ok) list.push({ id: 'redis', name: 'Redis', cache: new RedisBackend(`ucc-bench-${process.pid}-writes`, { url: redisUrl }), clear: true })
  else warn(`writes: Redis skipped, no server at ${redisUrl} (${redis.reason})`)
  list.push({ id: 'memory', name: 'memory (reference)', cache: new MemoryBackend({ maxEntries: 1_000_000 }) })
  return list
}

export async function runWrites ({ params, log, warn }) {
  const list = await backends(warn)
  const counts = { sequential: params.sequentialWrites, concurrent: params.concurrentWrites }
  const results = {}
  try {
    for (const backend of list) {
      // Opens the connection (and warms the code path) before anything is timed.
      await writers.sequential(backend.cache, batch(`warm-${backend.id}`, 50))
      results[backend.id] = { name: backend.name, verified: true }
      for (const mode of Object.keys(writers)) results[backend.id][mode] = { count: counts[mode], rates: [] }
    }
    for (let round = 1; round <= params.writeRounds; round++) {
      for (const mode of Object.keys(writers)) {
        for (const backend of list) {
          const items = batch(`${round}-${mode}`, counts[mode])
          globalThis.gc?.()
          const seconds = await timed(() => writers[mode](backend.cache, items))
          results[backend.id][mode].rates.push(items.length / seconds)
          if (!await verify(backend.cache, items)) {
            results[backend.id].verified = false
            warn(`writes, ${backend.name}, ${mode}: a written entry did not come back from get()`)
          }
        }
      }
      log(`writes: round ${round}/${params.writeRounds}`)
    }
  } finally {
    for (const backend of list) {
      if (backend.clear) await backend.cache.clear()
      await backend.cache.close()
      await backend.done?.()
    }
  }
  for (const id in results) for (const mode of Object.keys(writers)) results[id][mode].rate = median(results[id][mode].rates)
  return results
}
