// The hit matrix: every configuration × body size × client × mode, on URLs every cache already holds.
// Configurations are interleaved in rounds (each round runs every cell of every configuration once), so that drift
// on a shared machine spreads over all of them instead of favouring whichever ran first.
import { calibrate, clients, MODES, runCell } from './measure.mjs'
import { median, percentiles, pool } from './stats.mjs'

export const SIZES = [{ id: '1k', label: '1 KiB', path: '/1k/hit' }, { id: '100k', label: '100 KiB', path: '/100k/hit' }]
export const CLIENTS = ['request', 'fetch']

/** The cells of one configuration, in report order. */
export const CELLS = CLIENTS.flatMap((client) => SIZES.flatMap((size) => MODES.map((mode) => ({ id: `${client}/${size.id}/${mode}`, client, size, mode }))))

const gc = () => globalThis.gc?.()

/** Stores the measured URLs in every cache, then checks that the next request of each client is a hit. */
async function warm (configs, origin, warn) {
  for (const config of configs) {
    for (const size of SIZES) await clients.request.probe(origin.url + size.path, config.dispatcher)
    await config.interceptor?.cache?.flush()
  }
  for (const config of configs) {
    if (config.kind === 'plain') continue
    for (const client of CLIENTS) {
      for (const size of SIZES) {
        const before = await origin.count()
        const answer = await clients[client].probe(origin.url + size.path, config.dispatcher)
        const reached = await origin.count() - before
        const hit = config.kind === 'ours' ? answer.hit === true && reached === 0 : reached === 0
        if (!hit) warn(`${config.name}: a ${client} request for ${size.label} was not a hit after warming (origin requests: ${reached}, Cache-Status hit: ${answer.hit})`)
      }
    }
  }
}

/** Runs the matrix; returns `{ cells, configs, results }` with results[configId][cellId] summarised. */
export async function runHits ({ configs, origin, rounds, targetMs, log, warn }) {
  log('hits: warming every cache')
  await warm(configs, origin, warn)

  const raw = {}
  for (const config of configs) {
    raw[config.id] = {}
    for (const cell of CELLS) {
      const spec = { run: clients[cell.client].run, dispatcher: config.dispatcher, url: () => origin.url + cell.size.path, mode: cell.mode }
      raw[config.id][cell.id] = { spec, count: await calibrate(spec, targetMs), rates: [], cpuUs: [], latencies: [], originRequests: 0 }
    }
    log(`hits: calibrated ${config.name}`)
  }

  for (let round = 1; round <= rounds; round++) {
    const started = Date.now()
    for (const cell of CELLS) {
      for (const config of configs) {
        const slot = raw[config.id][cell.id]
        gc()
        const before = await origin.count()
        const result = await runCell({ ...slot.spec, count: slot.count })
        const reached = await origin.count() - before
        slot.rates.push(result.rate)
        slot.cpuUs.push(result.cpuUs)
        slot.latencies.push(result.latencies)
        slot.originRequests += reached
        if (config.kind !== 'plain' && reached > 0) warn(`${config.name}, ${cell.id}, round ${round}: ${reached} of ${slot.count} "hits" reached the origin`)
      }
    }
    log(`hits: round ${round}/${rounds} done in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }
  return summarise(configs, raw)
}

function summarise (configs, raw) {
  const results = {}
  for (const config of configs) {
    results[config.id] = {}
    for (const cell of CELLS) {
      const slot = raw[config.id][cell.id]
      const [p50, p99] = percentiles(pool(slot.latencies), [50, 99])
      results[config.id][cell.id] = {
        count: slot.count,
        rates: slot.rates,
        rate: median(slot.rates),
        p50,
        p99,
        cpuUs: median(slot.cpuUs),
        originRequests: slot.originRequests
      }
    }
  }
  // Ratios within the same client, size and mode.
  for (const cell of CELLS) {
    const rateOf = (id) => results[id]?.[cell.id].rate
    for (const config of configs) {
      const r = results[config.id][cell.id]
      r.vsPlain = r.rate / rateOf('plain')
      r.vsBuiltin = r.rate / rateOf('builtin-memory')
      r.vsIdeal = r.rate / rateOf('ideal')
    }
  }
  return {
    cells: CELLS.map(({ id, client, size, mode }) => ({ id, client, size: size.id, sizeLabel: size.label, mode })),
    configs: configs.map(({ id, name }) => ({ id, name })),
    results
  }
}
