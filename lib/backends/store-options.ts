/** The options of store-backed backends: those every one takes, and those of stores that expire keys themselves. */
import { durationMs } from '../expiry.js'
import type { EntryCodec } from './base.js'
import type { MemoryLayerOptions } from './memory-layer.js'

/** The options every store-backed backend takes. */
export interface StoreOptions {
  /**
   * How long (ms) a read, a write or a deletion may take before the cache gives up on it: a read then counts as a miss
   * and the request goes to the network; a write is dropped; a deletion rejects. Default 2000; `Infinity` for none.
   */
  timeout?: number
  /**
   * After a read fails or times out, how long (ms) the cache leaves the store alone: requests go straight to the
   * network, with no wait, and nothing is written until then; then the next request tries the store again, while the
   * others keep skipping it until that read succeeds. Default 1000.
   */
  retryAfter?: number
  /**
   * Keep recently read and written entries decoded in this process as well, so that a hit on a hot URL costs a Map
   * lookup instead of a trip to the store. `true` for the defaults. Entries are re-read from the store after
   * `maxAge` (default 1 s): that is how long another process's change of an entry may go unseen here. Default off.
   */
  memoryLayer?: boolean | MemoryLayerOptions
}

export interface CacheBackendOptions extends StoreOptions {
  /** How entries become store values and back. Default: the versioned binary encoding. */
  codec?: EntryCodec
  /**
   * For stores that expire keys themselves: how long (ms) an entry is kept after it turns stale (for revalidation
   * and stale-if-error) before the store deletes it. Entries without an expiry never expire in the store.
   * Default: the store gets no expiry at all.
   */
  keepStaleFor?: number
  /** The largest entry (bytes, encoded) the store can hold; larger ones are not written. Default Infinity. */
  maxEntrySize?: number
}

/** The options of backends whose store deletes expired keys itself (Redis, MongoDB, DynamoDB). */
export interface ExpiringStoreOptions extends StoreOptions {
  /**
   * How long an entry stays in the store after it turns stale, so that it can still be revalidated or served on
   * an error: seconds, or a duration such as `'1h'`. Default `'1h'`. Entries that never expire carry no expiry.
   */
  keepStaleFor?: number | string
}

/** Splits a backend's options: the {@link ExpiringStoreOptions}, validated, and the rest (its client's). */
export function expiringStoreOptions<T extends ExpiringStoreOptions> (options: T, owner: string): { store: CacheBackendOptions, rest: Omit<T, keyof ExpiringStoreOptions> } {
  const { timeout, retryAfter, memoryLayer, keepStaleFor = '1h', ...rest } = options
  return { store: { timeout, retryAfter, memoryLayer, keepStaleFor: durationMs(keepStaleFor, `${owner}: keepStaleFor`) }, rest }
}

