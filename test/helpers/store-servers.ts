/**
 * The backends whose store is a server (Redis, MongoDB, DynamoDB), each made against a server of the test's own
 * (server-processes.ts), or a proxy in front of one (proxy.ts), with short timeouts, for the tests of store faults.
 */
import { DynamoDBBackend, MongoDBBackend, RedisBackend, type CacheBackend, type ExpiringStoreOptions } from 'undici-client-cache'
import { dynamoConfig, uniqueName } from './backends.js'

/** How long a read may take, and how long a failed store is left alone, in these tests (ms). */
export const FAULT_TIMEOUT = 300
export const FAULT_RETRY_AFTER = 100

/** Something that counts its listeners: a Node EventEmitter, or a Keyv adapter's (hookified). */
export interface Listened {
  eventNames (): Array<string | symbol>
  listenerCount (event: string | symbol): number
}

export interface NetworkedCase {
  name: 'redis' | 'mongodb' | 'dynamodb'
  /** A backend (a new cache name) for the server listening on `port` of 127.0.0.1. */
  make (port: number, options?: ExpiringStoreOptions): CacheBackend
  /** The backend's event emitters once it is open (its adapter and its client), whose listeners must not pile up. */
  emitters (cache: CacheBackend): Promise<Listened[]>
}

const options = { timeout: FAULT_TIMEOUT, retryAfter: FAULT_RETRY_AFTER }

async function adapterOf (cache: CacheBackend): Promise<Listened & Record<string, unknown>> {
  return (await cache.keyv).store as Listened & Record<string, unknown>
}

export const networkedCases: NetworkedCase[] = [
  {
    name: 'redis',
    make: (port, more) => new RedisBackend(uniqueName(), { url: `redis://127.0.0.1:${port}`, ...options, ...more }),
    emitters: async (cache) => {
      const adapter = await adapterOf(cache)
      return [adapter, adapter.client as Listened]
    }
  },
  {
    name: 'mongodb',
    make: (port, more) => new MongoDBBackend(uniqueName(), { url: `mongodb://127.0.0.1:${port}`, serverSelectionTimeoutMS: FAULT_TIMEOUT, ...options, ...more }),
    emitters: async (cache) => {
      const adapter = await adapterOf(cache)
      return [adapter, (await (adapter.connect as Promise<{ mongoClient: Listened }>)).mongoClient]
    }
  },
  {
    name: 'dynamodb',
    make: (port, more) => new DynamoDBBackend(uniqueName(), { ...dynamoConfig, endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1, ...options, ...more }),
    emitters: async (cache) => [await adapterOf(cache)]
  }
]

/** How many listeners the emitters have in all. */
export function listeners (emitters: Listened[]): number {
  return emitters.reduce((sum, emitter) => sum + emitter.eventNames().reduce((n, event) => n + emitter.listenerCount(event), 0), 0)
}
