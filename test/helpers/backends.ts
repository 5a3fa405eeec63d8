/** The backends tests run on, each made fresh (its own file, key prefix, database or table). */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { DynamoDBBackend, MemoryBackend, MongoDBBackend, RedisBackend, SQLiteBackend, type CacheBackend, type ExpiringStoreOptions } from 'undici-client-cache'
import { needService, services, type ServiceName } from './services.js'

export interface BackendCase {
  name: string
  /** The test server the backend needs, if any. */
  service?: ServiceName
  /** A backend of its own; `cacheName` (default: a new unique one) names its file, prefix, database or table. */
  make (cacheName?: string, options?: ExpiringStoreOptions): CacheBackend
  /** The `maxAge` (ms) of its memory layer, when it has one: a change made behind its back is seen after that long. */
  layerMaxAge?: number
}

/** The memory layer of the layered cases: short, so that the contract suite sees changes made behind its back. */
const layer = { memoryLayer: { maxAge: '100ms' } }

export function tempDir (): string {
  return mkdtempSync(join(tmpdir(), 'ucc-test-'))
}

let names = 0
/** A cache name no other test (or test process) uses. */
export function uniqueName (): string {
  return `ucc_${process.pid}_${Date.now().toString(36)}_${++names}`
}

export const dynamoConfig = { endpoint: services.dynamoEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }

/** The backends that need no server: every interceptor behaviour is tested on these. */
export const backendCases: BackendCase[] = [
  { name: 'memory', make: () => new MemoryBackend() },
  { name: 'sqlite', make: (cacheName = uniqueName()) => new SQLiteBackend(join(tempDir(), cacheName)) }
]

/** Every backend: the contract suite runs on all of them. */
export const allBackendCases: BackendCase[] = [
  ...backendCases,
  { name: 'redis', service: 'redis', make: (cacheName = uniqueName(), options) => new RedisBackend(cacheName, { url: services.redisUrl, ...options }) },
  {
    name: 'redis cluster',
    service: 'redis-cluster',
    make: (cacheName = uniqueName(), options) => new RedisBackend(cacheName, { rootNodes: services.clusterNodes.map((url) => ({ url })), ...options })
  },
  // (CongoDB, the test server, does not keep up the driver's streaming heartbeat under load: the driver then drops its
  // pool and fails the operations in flight, which a real MongoDB never makes it do. The driver polls it instead.)
  { name: 'mongodb', service: 'mongodb', make: (cacheName = uniqueName(), options) => new MongoDBBackend(cacheName, { url: services.mongoUrl, serverMonitoringMode: 'poll', ...options }) },
  { name: 'dynamodb', service: 'dynamodb', make: (cacheName = uniqueName(), options) => new DynamoDBBackend(cacheName, { ...dynamoConfig, ...options }) },
  { name: 'sqlite + memory layer', layerMaxAge: 100, make: (cacheName = uniqueName(), options) => new SQLiteBackend(join(tempDir(), cacheName), { ...layer, ...options }) },
  { name: 'redis + memory layer', service: 'redis', layerMaxAge: 100, make: (cacheName = uniqueName(), options) => new RedisBackend(cacheName, { url: services.redisUrl, ...layer, ...options }) }
]

/** True when the backend's server (if it needs one) is reachable; otherwise the test is skipped, or fails in CI. */
export async function available (t: TestContext, backend: BackendCase): Promise<boolean> {
  return backend.service === undefined || needService(t, backend.service)
}

/** Every URL the backend holds, sorted. */
export async function listUrls (cache: CacheBackend): Promise<string[]> {
  const urls: string[] = []
  for await (const url of cache.urls()) urls.push(url)
  return urls.sort()
}
