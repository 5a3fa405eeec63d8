/** MemoryBackend: entries kept as objects in this process, bounded by count and bytes, least recently used out first. */
import Keyv from 'keyv'
import { entrySize, isCacheEntry } from '../entry.js'
import { CacheBackend, type EntryCodec } from './base.js'

export interface MemoryBackendOptions {
  /** The most entries kept; the least recently used go first. Default 10,000. */
  maxEntries?: number
  /** The most bytes kept (bodies, headers and URLs); an entry larger than this is not kept. Default 128 MiB. */
  maxSize?: number
}

/** What Keyv hands its store: the value with its expiry. */
interface Envelope { value: unknown, expires?: number }

/** A Map-backed Keyv store with LRU eviction by count and size: O(1) reads, writes and evictions. */
class LruStore {
  readonly #map = new Map<string, { data: Envelope, size: number }>()
  readonly #maxEntries: number
  readonly #maxSize: number
  #size = 0
  namespace: string | undefined

  constructor (maxEntries: number, maxSize: number) {
    this.#maxEntries = maxEntries
    this.#maxSize = maxSize
  }

  get bytes (): number { return this.#size }
  get count (): number { return this.#map.size }

  get (key: string): Envelope | undefined {
    const slot = this.#map.get(key)
    if (slot === undefined) return undefined
    // Re-inserting moves the key to the end of the Map's order: the most recently used.
    this.#map.delete(key)
    this.#map.set(key, slot)
    return slot.data
  }

  set (key: string, data: Envelope): boolean {
    this.delete(key)
    const size = isCacheEntry(data.value) ? entrySize(data.value) : 0
    if (size > this.#maxSize) return false
    this.#map.set(key, { data, size })
    this.#size += size
    for (const [oldest, slot] of this.#map) {
      if (this.#map.size <= this.#maxEntries && this.#size <= this.#maxSize) break
      this.#map.delete(oldest)
      this.#size -= slot.size
    }
    return true
  }

  delete (key: string): boolean {
    const slot = this.#map.get(key)
    if (slot === undefined) return false
    this.#map.delete(key)
    this.#size -= slot.size
    return true
  }

  has (key: string): boolean {
    return this.#map.has(key)
  }

  clear (): void {
    this.#map.clear()
    this.#size = 0
  }

  * entries (): IterableIterator<[string, unknown]> {
    for (const [key, slot] of this.#map) yield [key, slot.data.value]
  }
}

/** Entries are kept as the objects themselves: no serialization on either path. */
const objectCodec: EntryCodec = {
  encode: (entry) => entry,
  decode: (value) => isCacheEntry(value) ? value : undefined
}

function assertLimit (value: unknown, option: string): number {
  if (typeof value !== 'number' || !(value > 0) || (!Number.isInteger(value) && value !== Infinity)) {
    throw new TypeError(`MemoryBackend: ${option} must be a positive integer or Infinity; got ${String(value)}`)
  }
  return value
}

/** The default backend: fast, bounded, and gone when the process ends. */
export class MemoryBackend extends CacheBackend {
  readonly #store: LruStore

  constructor (options: MemoryBackendOptions = {}) {
    const store = new LruStore(
      assertLimit(options.maxEntries ?? 10_000, 'maxEntries'),
      assertLimit(options.maxSize ?? 128 * 1024 * 1024, 'maxSize')
    )
    super(new Keyv(store, { namespace: undefined, useKeyPrefix: false, serialize: undefined, deserialize: undefined, throwOnErrors: true }), { codec: objectCodec, timeout: Infinity })
    this.#store = store
  }

  /** How many entries are kept. */
  get size (): number { return this.#store.count }

  /** How many bytes the kept entries take, approximately. */
  get bytes (): number { return this.#store.bytes }

  /** Reads the map directly: a hit costs a Map lookup, not a trip through Keyv's hooks and promises. */
  protected override readValue (key: string): unknown {
    return this.#store.get(key)?.value
  }

  protected override async * rawEntries (): AsyncIterable<[string, unknown]> {
    yield * [...this.#store.entries()]
  }
}

