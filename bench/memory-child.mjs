// Memory per entry, for one configuration, in a process of its own (started by memory.mjs with --expose-gc):
// fill the cache with distinct 1 KiB responses through real requests, and compare the settled heap before and after.
import { setTimeout as sleep } from 'node:timers/promises'
import { closeConfig, make } from './configs.mjs'
import { clients } from './measure.mjs'

const [id, originUrl, entriesText] = process.argv.slice(2)
const entries = Number(entriesText)
const WARM = 200
const IN_FLIGHT = 8

const factories = {
  'ours-memory': () => make.oursMemory({ maxEntries: 2 * (entries + WARM) }),
  'builtin-memory': () => make.builtinMemory({ maxCount: 10_000_000, maxSize: Number.MAX_SAFE_INTEGER }),
  ideal: () => make.ideal()
}
const config = factories[id]()

async function fill (prefix, count) {
  let next = 0
  const worker = async () => {
    while (next < count) await clients.request.run(`${originUrl}${prefix}${next++}`, config.dispatcher)
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  await config.interceptor?.cache?.flush()
}

/**
 * Memory once every collectable object is gone: several GCs (weak references and finalizers take more than one), with
 * time between them, since V8 frees the memory of dead ArrayBuffers on a background thread after the GC.
 */
async function settled () {
  for (let i = 0; i < 6; i++) {
    globalThis.gc()
    await sleep(50)
  }
  const { heapUsed, arrayBuffers, external } = process.memoryUsage()
  return { heapUsed, arrayBuffers, external }
}

/** How many responses the cache holds, and whether the first filled URL is in it. */
async function held () {
  const first = `${originUrl}/1k/m?i=0`
  if (config.kind === 'ours') return { count: config.interceptor.cache.size, sample: await config.interceptor.cache.hasUrl(first) }
  if (config.kind === 'ideal') return { count: config.interceptor.store.size, sample: config.interceptor.store.has(first) }
  // undici's store counts bytes, not entries; look the sample up by its key.
  const { origin, pathname, search } = new URL(first)
  return { bytes: config.store.size, sample: config.store.get({ origin, method: 'GET', path: pathname + search, headers: {} }) !== undefined }
}

// Warm the agent, its sockets and the code paths; these entries are in the "before" figure.
await fill('/1k/warm?i=', WARM)
const before = await settled()
await fill('/1k/m?i=', entries)
const after = await settled()
const check = await held()
await closeConfig(config)
process.send({ id, entries, warm: WARM, before, after, check })
