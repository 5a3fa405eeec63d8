// The miss path: a cold cache, every request a new URL, so every response goes to the origin and is stored.
// This is what the cache costs a program whose requests rarely repeat. Fresh dispatchers and backends, so the
// hit caches are not polluted.
import { closeConfig, make } from './configs.mjs'
import { calibrate, clients, MODES, runCell } from './measure.mjs'
import { median, percentiles, pool } from './stats.mjs'

const gc = () => globalThis.gc?.()

function missConfigs () {
  return [
    make.plain(),
    // undici 7's MemoryCacheStore never evicts single-entry URLs and rescans the whole store on every insert past
    // maxCount (default 1,024): limits large enough that this section measures its write path, not that bug.
    make.builtinMemory({ maxCount: 10_000_000, maxSize: Number.MAX_SAFE_INTEGER }),
    make.ideal(),
    make.oursMemory(),
    make.oursSqlite('miss')
  ]
}

export async function runMisses ({ origin, params, log, warn }) {
  const configs = missConfigs()
  let n = 0
  const url = () => `${origin.url}/1k/miss?i=${n++}`
  const raw = {}
  try {
    for (const config of configs) {
      raw[config.id] = {}
      for (const mode of MODES) {
        const spec = { run: clients.request.run, dispatcher: config.dispatcher, url, mode }
        raw[config.id][mode] = { spec, count: await calibrate(spec, params.targetMs), rates: [], ratesWithFlush: [], cpuUs: [], latencies: [] }
        await config.interceptor?.cache?.flush()
      }
    }
    log('misses: calibrated')
    for (let round = 1; round <= params.missRounds; round++) {
      for (const mode of MODES) {
        for (const config of configs) {
          const slot = raw[config.id][mode]
          gc()
          const before = await origin.count()
          const result = await runCell({ ...slot.spec, count: slot.count })
          // Our writes finish after the response was delivered; the flush is timed apart, to show the backlog.
          const flushStart = process.hrtime.bigint()
          await config.interceptor?.cache?.flush()
          const flushSeconds = Number(process.hrtime.bigint() - flushStart) / 1e9
          const reached = await origin.count() - before
          if (reached !== slot.count) warn(`misses, ${config.name}, ${mode}: ${reached} of ${slot.count} requests reached the origin (all should)`)
          slot.rates.push(result.rate)
          slot.ratesWithFlush.push(slot.count / (result.seconds + flushSeconds))
          slot.cpuUs.push(result.cpuUs)
          slot.latencies.push(result.latencies)
        }
      }
      log(`misses: round ${round}/${params.missRounds}`)
    }
    await checkStored(configs, url, origin, warn)
  } finally {
    for (const config of configs) await closeConfig(config)
  }
  return summarise(configs, raw)
}

/** Each cache must now answer a URL it just stored without the origin. */
async function checkStored (configs, url, origin, warn) {
  for (const config of configs) {
    if (config.kind === 'plain') continue
    const u = url()
    await clients.request.probe(u, config.dispatcher)
    await config.interceptor?.cache?.flush()
    const before = await origin.count()
    const answer = await clients.request.probe(u, config.dispatcher)
    if (await origin.count() !== before || (config.kind === 'ours' && answer.hit !== true)) warn(`misses, ${config.name}: a stored URL was not a hit afterwards`)
  }
}

function summarise (configs, raw) {
  const results = {}
  for (const config of configs) {
    results[config.id] = {}
    for (const mode of MODES) {
      const slot = raw[config.id][mode]
      const [p50, p99] = percentiles(pool(slot.latencies), [50, 99])
      results[config.id][mode] = { count: slot.count, rates: slot.rates, rate: median(slot.rates), rateWithFlush: median(slot.ratesWithFlush), p50, p99, cpuUs: median(slot.cpuUs) }
    }
  }
  for (const mode of MODES) {
    for (const config of configs) results[config.id][mode].vsPlain = results[config.id][mode].rate / results.plain[mode].rate
  }
  return { configs: configs.map(({ id, name }) => ({ id, name })), modes: MODES, results }
}
