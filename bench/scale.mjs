// Hit cost as the cache grows: 1,000 real entries stored through requests, the store padded with filler entries
// to each target size, and hits measured round-robin over the real URLs. A flat cache costs the same at 1M as at 1k.
import { MemoryBackend } from 'undici-client-cache'
import { closeConfig, make } from './configs.mjs'
import { calibrate, clients, runCell } from './measure.mjs'
import { padSqlite } from './sqlite-pad.mjs'
import { median, percentiles, pool } from './stats.mjs'

const REAL = 1000
const IN_FLIGHT = 8

/** Fillers for the memory backend: one plain entry object, set under many keys (only the Map's size matters). */
async function padMemory (cache, from, to) {
  const now = Date.now()
  const filler = {
    status: 200,
    statusText: 'OK',
    headers: [['cache-control', 'max-age=3600'], ['content-type', 'application/octet-stream'], ['content-length', '1024']],
    body: Buffer.alloc(1024, 'f'),
    url: 'http://bench.test/fill',
    method: 'GET',
    createdAt: now,
    expiresAt: now + 3_600_000,
    requestHeaders: {}
  }
  for (let i = from; i < to;) {
    const writes = []
    for (const end = Math.min(to, i + 10_000); i < end; i++) writes.push(cache.set(`fill-${i}`, filler))
    await Promise.all(writes)
  }
  await cache.flush()
}

async function storeReal (config, originUrl) {
  let next = 0
  const worker = async () => {
    while (next < REAL) await clients.request.run(`${originUrl}/1k/s?i=${next++}`, config.dispatcher)
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  await config.interceptor.cache.flush()
}

export async function runScale ({ origin, params, log, warn }) {
  const configs = [
    { ...make.ours('ours-memory', 'ours (memory)', new MemoryBackend({ maxEntries: 2_000_000, maxSize: Infinity })), pad: (c, from, to) => padMemory(c.interceptor.cache, from, to) },
    { ...make.oursSqlite('scale'), pad: (c, from, to) => padSqlite(c.interceptor.cache.path, from, to) }
  ]
  const url = (i) => `${origin.url}/1k/s?i=${i % REAL}`
  const results = {}
  try {
    for (const config of configs) {
      await storeReal(config, origin.url)
      const before = await origin.count()
      const answer = await clients.request.probe(url(0), config.dispatcher)
      if (answer.hit !== true || await origin.count() !== before) warn(`scale, ${config.name}: a stored URL was not a hit`)
      config.spec = { run: clients.request.run, dispatcher: config.dispatcher, url, mode: 'sequential' }
      // One count for every size, calibrated at the smallest, so that every size does the same work.
      config.count = await calibrate(config.spec, params.targetMs)
      results[config.id] = { name: config.name, count: config.count, sizes: [] }
    }
    let size = REAL
    for (const target of params.scaleSizes) {
      for (const config of configs) {
        if (target <= size) continue
        const start = Date.now()
        await config.pad(config, size - REAL, target - REAL)
        log(`scale: ${config.name} padded to ${target.toLocaleString('en')} entries in ${((Date.now() - start) / 1000).toFixed(1)} s`)
        config.padSeconds = (Date.now() - start) / 1000
      }
      size = Math.max(size, target)
      const raw = Object.fromEntries(configs.map((config) => [config.id, { rates: [], latencies: [] }]))
      for (let run = 0; run < params.scaleRuns; run++) {
        for (const config of configs) {
          globalThis.gc?.()
          const before = await origin.count()
          const result = await runCell({ ...config.spec, count: config.count })
          const reached = await origin.count() - before
          if (reached > 0) warn(`scale, ${config.name}, ${target} entries: ${reached} hits reached the origin`)
          raw[config.id].rates.push(result.rate)
          raw[config.id].latencies.push(result.latencies)
        }
      }
      for (const config of configs) {
        const [p50, p99] = percentiles(pool(raw[config.id].latencies), [50, 99])
        results[config.id].sizes.push({ entries: target, padSeconds: target === REAL ? 0 : config.padSeconds, rate: median(raw[config.id].rates), p50, p99 })
      }
      log(`scale: measured at ${target.toLocaleString('en')} entries`)
    }
  } finally {
    for (const config of configs) await closeConfig(config)
  }
  for (const id in results) {
    const sizes = results[id].sizes
    const first = sizes[0]
    const last = sizes[sizes.length - 1]
    results[id].p50Ratio = last.p50 / first.p50
    results[id].p99Ratio = last.p99 / first.p99
    results[id].rateRatio = last.rate / first.rate
  }
  return results
}
