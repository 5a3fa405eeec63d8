/**
 * A process killed (SIGKILL) while it writes to a SQLite cache leaves a cache that works: the file is sound, every
 * entry in it is whole, every write the process saw committed is there, requests through the file are hits for what
 * it holds and misses otherwise, and new writes work. Killed again and again, at different moments, on one file.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { cacheInterceptor, parseCacheStatus, SQLiteBackend } from 'undici-client-cache'
import { tempDir } from './helpers/backends.js'
import { checkedRoute, entryIntact, intact } from './helpers/checked-bodies.js'
import { startOrigin } from './helpers/origin.js'
import { integrityOf, rowsOf } from './helpers/sqlite-file.js'
import { Agent, request } from './helpers/undici.js'
import { killWorker } from './helpers/workers.js'
import type { WorkerLine } from './fixtures/cache-worker.js'

/**
 * When each writer is killed: at its first answer (its writes only just started), or once it has seen some of its
 * writes committed (they are committed a turn's worth at a time: killed as one commit ends, it is in the next one).
 */
const moments: Array<{ name: string, when: (lines: WorkerLine[]) => boolean }> = [
  { name: 'at its first answer', when: (lines) => lines.length >= 1 },
  ...[1, 200, 500].map((writes) => ({
    name: `after ${writes} committed writes`,
    when: (lines: WorkerLine[]) => lines.filter((line) => line.type === 'stored').length >= writes
  }))
]
/** The keys writer `w` overwrites, over and over, 64 requests in flight at a time: its own, beside those of the others. */
const pathsOf = (w: number): string[] => Array.from({ length: 64 }, (_, i) => `/w${w}/${i}`)

test('sqlite: a writer killed mid-write, four times at different moments, leaves a sound file whose entries are whole, committed writes kept, and a cache that works', async (t) => {
  const origin = await startOrigin(checkedRoute())
  t.after(() => origin.close())
  const file = join(tempDir(), 'killed.sqlite')
  for (const [w, moment] of moments.entries()) {
    const paths = pathsOf(w)
    const { lines, stderr } = await killWorker(
      { backend: { kind: 'sqlite', file }, origin: origin.url, paths, rounds: 0, overwrite: true, reportStores: true },
      (_line, seen) => moment.when(seen)
    )
    const what = `killed ${moment.name}`
    assert.doesNotMatch(stderr, /cache error/, `${what}: the writer saw no store error`)
    assert.equal(await integrityOf(file), 'ok', `${what}: PRAGMA integrity_check`)

    const cache = new SQLiteBackend(file)
    const dispatcher = new Agent().compose(cacheInterceptor({ cache }))
    try {
      // (Opened first: a writer killed before its store had opened leaves a file without the table yet.)
      await cache.keyv
      // Every row is a whole entry; every write the writer saw committed is there.
      const held = new Map<string, Buffer>()
      for (const { key } of await rowsOf(file)) {
        const entry = await cache.get(key)
        assert.ok(entry !== undefined && entryIntact(entry), `${what}: the row ${key} is a whole entry`)
        held.set(new URL(entry.url).pathname, entry.body)
      }
      const committed = new Set(lines.flatMap((line) => line.type === 'stored' ? [new URL(line.url).pathname] : []))
      for (const path of committed) assert.ok(held.has(path), `${what}: the committed write of ${path} is in the file`)

      // Requests: hits with the very entry held, misses for the rest, stored now.
      for (const path of paths) {
        const res = await request(origin.url + path, { dispatcher })
        const body = Buffer.from(await res.body.arrayBuffer())
        assert.equal(res.statusCode, 200)
        assert.ok(intact(path, res.headers['x-sha256'] as string, body), `${what}: ${path} is answered whole`)
        assert.equal(parseCacheStatus(res.headers)?.hit, held.has(path), `${what}: ${path} is a hit exactly when the file holds it`)
        if (held.has(path)) assert.ok(body.equals(held.get(path)!), `${what}: ${path} is answered with the entry held`)
      }
      await cache.flush()
      for (const path of paths) assert.ok(await cache.hasUrl(origin.url + path), `${what}: ${path} is stored now`)
    } finally {
      await cache.close()
      await dispatcher.close()
    }
  }
})
