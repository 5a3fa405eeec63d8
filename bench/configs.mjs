// The configurations under test: each an undici dispatcher (an Agent, alone or composed with a cache interceptor),
// created once, reused by every cell, and closed at the end.
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, cacheStores, interceptors } from 'undici'
import { cacheInterceptor, MemoryBackend, RedisBackend, SQLiteBackend } from 'undici-client-cache'
import { idealInterceptor } from './ideal.mjs'
import { hasNodeSqlite, probeRedis } from './probe.mjs'

export const redisUrl = process.env.UCC_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A SQLite file in the temp folder, unique to this process and `label`. */
export function tempSqlitePath (label) {
  return join(tmpdir(), `ucc-bench-${process.pid}-${label}.sqlite`)
}

/** Deletes a SQLite file with its WAL and shared-memory files. */
export async function removeSqliteFiles (path) {
  await Promise.all(['', '-wal', '-shm', '-journal'].map((suffix) => rm(path + suffix, { force: true })))
}

/**
 * Factories for one configuration each: `{ id, name, kind, dispatcher, … }`. `kind` says how a hit is recognised:
 * 'ours' by its Cache-Status header, 'builtin' and 'ideal' by the origin's request count not growing.
 */
export const make = {
  plain: () => ({ id: 'plain', name: 'plain Agent', kind: 'plain', dispatcher: new Agent() }),

  builtinMemory: (storeOptions) => {
    const store = new cacheStores.MemoryCacheStore(storeOptions)
    return { id: 'builtin-memory', name: 'undici built-in (memory)', kind: 'builtin', store, dispatcher: new Agent().compose(interceptors.cache({ store })) }
  },

  builtinSqlite: (label = 'builtin') => {
    const path = tempSqlitePath(label)
    const store = new cacheStores.SqliteCacheStore({ location: path })
    return { id: 'builtin-sqlite', name: 'undici built-in (SQLite)', kind: 'builtin', store, files: [path], dispatcher: new Agent().compose(interceptors.cache({ store })) }
  },

  ideal: () => {
    const interceptor = idealInterceptor()
    return { id: 'ideal', name: 'ideal', kind: 'ideal', interceptor, dispatcher: new Agent().compose(interceptor) }
  },

  /** Ours over `backend`; `files` are deleted and Redis prefixes cleared when the configuration is closed. */
  ours: (id, name, backend, { files = [], clear = false } = {}) => {
    const interceptor = cacheInterceptor({ cache: backend })
    return { id, name, kind: 'ours', interceptor, files, clear, dispatcher: new Agent().compose(interceptor) }
  },

  oursMemory: (options) => make.ours('ours-memory', 'ours (memory)', new MemoryBackend(options)),

  oursSqlite: (label = 'ours') => {
    const path = tempSqlitePath(label)
    return make.ours('ours-sqlite', 'ours (SQLite)', new SQLiteBackend(path), { files: [path] })
  }
}

/** Closes a configuration's dispatcher and cache, and deletes what it left on disk or in Redis. */
export async function closeConfig (config) {
  await config.dispatcher.close()
  const cache = config.interceptor?.cache
  if (cache !== undefined) {
    if (config.clear) await cache.clear()
    await cache.close()
  }
  config.store?.close?.()
  for (const file of config.files ?? []) await removeSqliteFiles(file)
}

/** The memory layer of the layered configurations: the defaults (1,000 entries, re-read from the store after 1 s). */
const MEMORY_LAYER = true

/**
 * The hit-matrix configurations, in report order. Returns `{ configs, skipped: [{ name, reason }] }`.
 */
export async function createHitConfigs () {
  const configs = [make.plain(), make.builtinMemory()]
  const skipped = []
  if (await hasNodeSqlite()) configs.push(make.builtinSqlite())
  else skipped.push({ name: 'undici built-in (SQLite)', reason: `node:sqlite is not available in Node ${process.version}` })
  configs.push(make.ideal(), make.oursMemory(), make.oursSqlite())

  const sqliteMl = tempSqlitePath('ours-ml')
  configs.push(make.ours('ours-sqlite-ml', 'ours (SQLite + memory layer)', new SQLiteBackend(sqliteMl, { memoryLayer: MEMORY_LAYER }), { files: [sqliteMl] }))

  const redis = await probeRedis(redisUrl)
  if (redis.ok) {
    const prefix = `ucc-bench-${process.pid}`
    configs.push(make.ours('ours-redis', 'ours (Redis)', new RedisBackend(prefix, { url: redisUrl }), { clear: true }))
    configs.push(make.ours('ours-redis-ml', 'ours (Redis + memory layer)', new RedisBackend(`${prefix}-ml`, { url: redisUrl, memoryLayer: MEMORY_LAYER }), { clear: true }))
  } else {
    const reason = `no Redis at ${redisUrl} (${redis.reason}); set UCC_REDIS_URL`
    skipped.push({ name: 'ours (Redis)', reason }, { name: 'ours (Redis + memory layer)', reason })
  }
  return { configs, skipped }
}
