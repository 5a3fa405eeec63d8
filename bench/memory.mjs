// Memory per cached 1 KiB entry: one child process per configuration (memory-child.mjs), so that one
// configuration's garbage, pools and JIT state never count against another.
import { fork } from 'node:child_process'
import { once } from 'node:events'

const CONFIGS = [
  { id: 'ours-memory', name: 'ours (memory)' },
  { id: 'builtin-memory', name: 'undici built-in (memory)' },
  { id: 'ideal', name: 'ideal' }
]
const PAYLOAD = 1024

async function measure (id, originUrl, entries) {
  const child = fork(new URL('./memory-child.mjs', import.meta.url), [id, originUrl, String(entries)], { execArgv: ['--expose-gc'] })
  const [[result], [code]] = await Promise.all([once(child, 'message'), once(child, 'exit')])
  if (code !== 0) throw new Error(`memory child for ${id} exited with ${code}`)
  return result
}

export async function runMemory ({ origin, params, log, warn }) {
  const results = {}
  for (const { id, name } of CONFIGS) {
    const r = await measure(id, origin.url, params.memoryEntries)
    const delta = (field) => r.after[field] - r.before[field]
    const perEntry = (delta('heapUsed') + delta('arrayBuffers')) / r.entries
    results[id] = {
      name,
      entries: r.entries,
      before: r.before,
      after: r.after,
      heapPerEntry: delta('heapUsed') / r.entries,
      arrayBuffersPerEntry: delta('arrayBuffers') / r.entries,
      externalPerEntry: delta('external') / r.entries,
      perEntry,
      ratio: perEntry / PAYLOAD,
      check: r.check
    }
    const complete = r.check.sample && (r.check.count === undefined || r.check.count >= r.entries) && (r.check.bytes === undefined || r.check.bytes >= r.entries * PAYLOAD)
    if (!complete) warn(`memory, ${name}: the cache does not hold all ${r.entries} entries (${JSON.stringify(r.check)})`)
    log(`memory: ${name}: ${Math.round(perEntry)} bytes per entry`)
  }
  return results
}
