// One measured cell: `count` requests through a dispatcher with one client, one at a time or 64 in flight.
// Wall time, per-request latency and this process's CPU time are taken; the origin runs in another process.
import { fetch, request } from 'undici'
import { parseCacheStatus } from 'undici-client-cache'

export const IN_FLIGHT = 64
export const MODES = ['sequential', 'concurrent']

/** The two ways a program reads a response: `run` is the measured path; `probe` also tells whether it was a hit. */
export const clients = {
  request: {
    run: async (url, dispatcher) => {
      const res = await request(url, { dispatcher })
      await res.body.arrayBuffer()
    },
    probe: async (url, dispatcher) => {
      const res = await request(url, { dispatcher })
      const body = await res.body.arrayBuffer()
      return { status: res.statusCode, bytes: body.byteLength, hit: parseCacheStatus(res.headers)?.hit }
    }
  },
  fetch: {
    run: async (url, dispatcher) => {
      const res = await fetch(url, { dispatcher })
      await res.arrayBuffer()
    },
    probe: async (url, dispatcher) => {
      const res = await fetch(url, { dispatcher })
      const body = await res.arrayBuffer()
      return { status: res.status, bytes: body.byteLength, hit: parseCacheStatus(res.headers)?.hit }
    }
  }
}

const now = process.hrtime.bigint
const breathe = () => new Promise(setImmediate)

/**
 * Runs one cell. `url(i)` gives the i-th request's URL. Returns `{ seconds, rate, cpuUs, latencies }`:
 * requests/s, CPU µs per request (user + system), and each request's latency in µs.
 */
export async function runCell ({ run, dispatcher, url, count, mode }) {
  const latencies = new Float64Array(count)
  const cpu = process.cpuUsage()
  const start = now()
  if (mode === 'sequential') {
    for (let i = 0; i < count; i++) {
      const t = now()
      await run(url(i), dispatcher)
      latencies[i] = Number(now() - t) / 1e3
      // undici cleans up a consumed body on later ticks: let it, as a real program would between requests.
      if ((i & 63) === 63) await breathe()
    }
  } else {
    let next = 0
    const worker = async () => {
      while (next < count) {
        const i = next++
        const t = now()
        await run(url(i), dispatcher)
        latencies[i] = Number(now() - t) / 1e3
        // Hits can complete without any I/O, and 64 workers then chain microtasks forever: the event loop never
        // turns, undici's clean-up never runs and the heap grows. Each worker waits for the next turn after each
        // request instead, so that one turn of the loop serves up to 64 requests (as sequential mode yields every 64).
        await breathe()
      }
    }
    await Promise.all(Array.from({ length: Math.min(IN_FLIGHT, count) }, worker))
  }
  const seconds = Number(now() - start) / 1e9
  const used = process.cpuUsage(cpu)
  return { seconds, rate: count / seconds, cpuUs: (used.user + used.system) / count, latencies }
}

/**
 * How many requests make a cell last about `targetMs`: a pilot of IN_FLIGHT requests to gauge the rate, then a run
 * of about `targetMs` (which also lets the JIT settle on this path) to measure it. A multiple of IN_FLIGHT, at least two.
 */
export async function calibrate (cell, targetMs) {
  let count = IN_FLIGHT
  for (let i = 0; i < 2; i++) {
    const { seconds } = await runCell({ ...cell, count })
    count = Math.max(IN_FLIGHT, Math.ceil(count * (targetMs / 1000) / Math.max(seconds, 1e-5)))
  }
  return Math.min(Math.max(Math.ceil(count / IN_FLIGHT), 2) * IN_FLIGHT, 1_000_000)
}
