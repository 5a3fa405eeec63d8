/** MemoryBackend: entries kept as objects in this process, bounded by count and bytes, least recently used out first. */
import Keyv from 'keyv'
import { entrySize, isCacheEntry, type CacheEntry } from '../entry.js'
import { assertLimit, Lru } from '../lru.js'
import { CacheBackend, type EntryCodec } from './base.js'

export interface MemoryBackendOptions {
  /** The most entries kept; the least recently used go first. Default 10,000. */
  maxEntries?: number
  /** The most bytes kept (bodies, headers and URLs); an entry larger than this is not kept. Default 128 MiB. */
  maxSize?: number
}

/** What Keyv hands its store: the value with its expiry. */
interface Envelope { value: unknown, expires?: number }

/** What is kept per key: Keyv's envelope, and the entry in it when it is one (checked once, when it is written). */
interface Slot { data: Envelope, entry: CacheEntry | undefined }

/** A Keyv store adapter over an {@link Lru}. */
class LruStore {
  readonly lru: Lru<Slot>
  namespace: string | undefined

  constructor (maxEntries: number, maxSize: number) {
    this.lru = new Lru(maxEntries, maxSize)
  }

  get (key: string): Envelope | undefined {
    return this.lru.get(key)?.data
  }

  set (key: string, data: Envelope): boolean {
    const entry = isCacheEntry(data.value) ? data.value : undefined
    return this.lru.set(key, { data, entry }, entry === undefined ? 0 : entrySize(entry))
  }

  delete (key: string): boolean { return this.lru.delete(key) }
  has (key: string): boolean { return this.lru.has(key) }
  clear (): void { this.lru.clear() }
}

/** Entries are kept as the objects themselves: no serialization on either path (values were checked when written). */
const objectCodec: EntryCodec = {
  encode: (entry) => entry,
  decode: (value) => value as CacheEntry | undefined
}

/** The default backend: fast, bounded, and gone when the process ends. */
export class MemoryBackend extends CacheBackend {
  readonly #store: LruStore

  constructor (options: MemoryBackendOptions = {}) {
    const store = new LruStore(
      assertLimit(options.maxEntries ?? 10_000, 'MemoryBackend: maxEntries'),
      assertLimit(options.maxSize ?? 128 * 1024 * 1024, 'MemoryBackend: maxSize')
    )
    super(new Keyv(store, { namespace: undefined, useKeyPrefix: false, serialize: undefined, deserialize: undefined, throwOnErrors: true }), { codec: objectCodec, timeout: Infinity })
    this.#store = store
  }

  /** How many entries are kept. */
  get size (): number { return this.#store.lru.count }

  /** How many bytes the kept entries take, approximately. */
  get bytes (): number { return this.#store.lru.bytes }

  /** Reads the map directly: a hit costs a Map lookup, not a trip through Keyv's hooks and promises. */
  protected override readValue (key: string): CacheEntry | undefined {
    return this.#store.lru.get(key)?.entry
  }

  protected override peekValue (key: string): CacheEntry | undefined {
    return this.readValue(key)
  }

  protected override async * rawEntries (): AsyncIterable<[string, unknown]> {
    yield * [...this.#store.lru.entries()].map(([key, slot]): [string, unknown] => [key, slot.entry])
  }
}
