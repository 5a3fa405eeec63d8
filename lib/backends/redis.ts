/** RedisBackend: entries in Redis (one server or a cluster) through @keyv/redis, as `<cacheName>:<key>`, expiring natively. */
import { setTimeout as delay } from 'node:timers/promises'
import type Keyv from 'keyv'
import type KeyvRedis from '@keyv/redis'
import type { RedisClientConnectionType, RedisClientOptions, RedisClusterOptions } from '@keyv/redis'
import { debug } from '../log.js'
import { CacheBackend } from './base.js'
import { expiringStoreOptions, type ExpiringStoreOptions } from './store-options.js'
import { assertInstalled } from './load.js'
import { doneOrFailed, openedLater, type ErrorEmitter } from './opening.js'
import { deserialize, textKeyv } from './text-envelope.js'

/**
 * Where the entries go: `url`, an existing `client` (a client or a cluster from `@keyv/redis` / `redis`), or a
 * cluster's `rootNodes`; any other field is an option of the client the backend creates (`password`, `socket`,
 * `database`, a cluster's `defaults`, …).
 */
export type RedisBackendOptions = ExpiringStoreOptions & {
  /** The server, e.g. `'redis://127.0.0.1:6379/0'`. Default `'redis://127.0.0.1:6379'`. */
  url?: string
  /** A client made by the application: used as it is, and left open by `close()`. */
  client?: RedisClientConnectionType
  /** The nodes of a Redis Cluster, e.g. `[{ url: 'redis://10.0.0.1:6379' }]`. */
  rootNodes?: RedisClusterOptions['rootNodes']
} & Omit<Partial<RedisClientOptions>, 'url'> & Omit<Partial<RedisClusterOptions>, 'rootNodes'>

/** The events @keyv/redis listens to on the client it is given (and never stops listening to). */
const CLIENT_EVENTS = ['error', 'connect', 'disconnect', 'reconnecting'] as const

type EventClient = { listeners (event: string): Array<(...args: unknown[]) => void>, off (event: string, listener: (...args: unknown[]) => void): unknown }

export class RedisBackend extends CacheBackend {
  /** The key prefix: every entry is `<cacheName>:<key>`. */
  readonly cacheName: string
  readonly #client: Promise<{ client: RedisClientConnectionType, owned: boolean, listeners: Array<[string, (...args: unknown[]) => void]> }>

  constructor (cacheName = 'http_cache', options: RedisBackendOptions = {}) {
    if (typeof cacheName !== 'string' || cacheName === '' || /[*?[\]\\]/.test(cacheName)) {
      throw new TypeError(`RedisBackend: cacheName must be a non-empty key prefix without * ? [ ] or \\; got ${JSON.stringify(cacheName)}`)
    }
    if (options.client !== undefined && (options.url !== undefined || options.rootNodes !== undefined)) {
      throw new TypeError('RedisBackend: give either client, or url / rootNodes, not both')
    }
    assertInstalled('@keyv/redis', 'RedisBackend')
    const { store, rest } = expiringStoreOptions(options, 'RedisBackend')
    const { opened, start } = openedLater(async () => openRedis(cacheName, rest, store.timeout ?? 2000))
    super(opened.then(({ keyv }) => keyv), store)
    this.cacheName = cacheName
    this.#client = opened
    start()
  }

  /** Deletes every entry of this cache; rejects when Redis fails (the adapter would only emit an error). */
  protected override async clearStore (keyv: Keyv): Promise<void> {
    await doneOrFailed(keyv.store as ErrorEmitter, keyv.clear())
  }

  /**
   * Every stored `[key, value]`, through the adapter's scan: a key another process deletes between the scan and the
   * read of its value is skipped. (Keyv's own iterator throws a TypeError on it, failing the whole management call.)
   */
  protected override async * rawEntries (): AsyncIterable<[string, unknown]> {
    const adapter = (await this.keyv).store as KeyvRedis<string>
    for await (const [key, text] of adapter.iterator(adapter.namespace)) {
      if (typeof text === 'string') yield [key, deserialize(text).value]
    }
  }

  /** A server that does not answer never lets a graceful close finish: the connection the backend opened is dropped. */
  protected override abandon (): void {
    this.#client.then(({ owned, client }) => { if (owned && client.isOpen) client.destroy() }).catch((error: unknown) => debug('redis: %s', error))
  }

  /** Finishes pending writes; closes the connection the backend opened, or detaches from the client it was given. */
  override async close (): Promise<void> {
    const { owned, client, listeners } = await this.#client
    if (owned) return super.close()
    await this.flush()
    for (const [event, listener] of listeners) (client as unknown as EventClient).off(event, listener)
  }
}

async function openRedis (cacheName: string, options: Omit<RedisBackendOptions, keyof ExpiringStoreOptions>, timeout: number): Promise<{ keyv: Keyv, client: RedisClientConnectionType, owned: boolean, listeners: Array<[string, (...args: unknown[]) => void]> }> {
  const { default: KeyvRedis, createClient, createCluster } = await import('@keyv/redis')
  const { url = 'redis://127.0.0.1:6379', client: given, rootNodes, ...clientOptions } = options
  // Commands fail at once while the server is unreachable (instead of queueing until it is back), so a request
  // goes to the network without waiting; the client reconnects by itself.
  const client = (given ?? (rootNodes === undefined
    ? createClient({ url, disableOfflineQueue: true, ...clientOptions })
    : createCluster({ rootNodes, ...clientOptions, defaults: { disableOfflineQueue: true, ...clientOptions.defaults } }))) as RedisClientConnectionType
  const before = new Map(CLIENT_EVENTS.map((event) => [event, new Set((client as unknown as EventClient).listeners(event))]))
  const adapter = new KeyvRedis(client, { namespace: cacheName, keyPrefixSeparator: ':', throwOnErrors: true })
  const listeners = CLIENT_EVENTS.flatMap((event) => (client as unknown as EventClient).listeners(event)
    .filter((listener) => !before.get(event)?.has(listener))
    .map((listener): [string, (...args: unknown[]) => void] => [event, listener]))
  adapter.on('error', (error: unknown) => debug('redis: %s', error))
  const keyv = textKeyv(adapter)
  // (Keyv sets its own namespace, none, on the adapter: the prefix is set after it.)
  adapter.namespace = cacheName
  if (given === undefined) {
    // Wait for the first connection, but no longer than a read may take: while the server is down, the client
    // keeps reconnecting in the background and reads fail at once.
    const connected = client.connect().catch((error: unknown) => debug('redis: connecting failed: %s', error))
    await Promise.race([connected, delay(Math.min(timeout, 2000), undefined, { ref: false })])
  }
  return { keyv, client, owned: given === undefined, listeners }
}
