/** Caches several processes share, described in JSON so that a worker process can open the same one. */
import { join } from 'node:path'
import { RedisBackend, SQLiteBackend, type CacheBackend } from 'undici-client-cache'
import { tempDir, uniqueName } from './backends.js'
import { services, type ServiceName } from './services.js'

export type BackendSpec = { kind: 'sqlite', file: string } | { kind: 'redis', url: string, cacheName: string }

/**
 * The backend a spec describes. Its `timeout` is generous: several processes at once on a loaded machine make a store
 * slow, and these tests are about what processes do to each other, not about a slow store (backends.test.ts has that).
 */
export function openBackend (spec: BackendSpec): CacheBackend {
  const timeout = 10_000
  switch (spec.kind) {
    case 'sqlite': return new SQLiteBackend(spec.file, { timeout })
    case 'redis': return new RedisBackend(spec.cacheName, { url: spec.url, timeout })
  }
}

export interface SharedCache {
  name: string
  service?: ServiceName
  /** A new cache of this kind. */
  spec (): BackendSpec
}

export const sharedCaches: SharedCache[] = [
  { name: 'one SQLite file', spec: () => ({ kind: 'sqlite', file: join(tempDir(), 'shared.sqlite') }) },
  { name: 'one Redis key prefix', service: 'redis', spec: () => ({ kind: 'redis', url: services.redisUrl, cacheName: uniqueName() }) }
]
