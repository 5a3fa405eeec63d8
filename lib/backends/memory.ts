/**
 * MemoryBackend: entries kept in this process, each as one Buffer (its binary encoding), bounded by count and bytes,
 * least recently used out first; the entries recently read are also kept decoded, so that a hit costs a Map lookup.
 */
import Keyv from 'keyv'
import { decodeEntry, encodeEntry, type CacheEntry } from '../entry.js'
import { assertLimit, Lru } from '../lru.js'
import { CacheBackend, type EntryCodec } from './base.js'

export interface MemoryBackendOptions {
  /** The most entries kept; the least recently used go first. Default 10,000. */
  maxEntries?: number
  /** The most bytes kept (entries as encoded: body, headers and URL); an entry larger than this is not kept. Default 128 MiB. */
  maxSize?: number
  /**
   * How many of the entries most recently read are also kept decoded, ready to answer a hit without decoding (their
   * bodies are shared with the encoded entries, not copied). Default 1,000.
   */
  hotEntries?: number
}

/** What Keyv hands its store: the value with its expiry. */
interface Envelope { value: unknown, expires?: number }

/** A Keyv store adapter over an {@link Lru} of values, sized by their length when they are Buffers. */
class LruStore {
  readonly lru: Lru<string, unknown>
  namespace: string | undefined

  constructor (maxEntries: number, maxSize: number) {
    this.lru = new Lru(maxEntries, maxSize)
  }

  get (key: string): Envelope | undefined {
    const value = this.lru.get(key)
    return value === undefined ? undefined : { value }
  }

  /** (The cache gives its memory store no Keyv expiry: entries carry their own.) */
  set (key: string, data: Envelope): boolean {
    return this.lru.set(key, data.value, Buffer.isBuffer(data.value) ? data.value.length + key.length : key.length)
  }

  delete (key: string): boolean { return this.lru.delete(key) }
  has (key: string): boolean { return this.lru.has(key) }
  clear (): void { this.lru.clear() }
}

/**
 * The binary encoding, with the entries most recently decoded kept by the encoded Buffer they came from: a Buffer
 * replaced or deleted in the map is simply not asked for again, so nothing here can be out of date.
 */
function hotCodec (hotEntries: number, maxSize: number): EntryCodec {
  const hot = new Lru<object, CacheEntry>(hotEntries, maxSize)
  return {
    encode: (entry) => encodeEntry(entry, true),
    decode (value) {
      if (!Buffer.isBuffer(value)) return undefined
      let entry = hot.get(value)
      if (entry === undefined) {
        entry = decodeEntry(value)
        if (entry !== undefined) hot.set(value, entry, value.length)
      }
      return entry
    }
  }
}

/** The default backend: fast, bounded, and gone when the process ends. */
export class MemoryBackend extends CacheBackend {
  readonly #store: LruStore

  constructor (options: MemoryBackendOptions = {}) {
    const maxSize = assertLimit(options.maxSize ?? 128 * 1024 * 1024, 'MemoryBackend: maxSize')
    const store = new LruStore(assertLimit(options.maxEntries ?? 10_000, 'MemoryBackend: maxEntries'), maxSize)
    const codec = hotCodec(assertLimit(options.hotEntries ?? 1000, 'MemoryBackend: hotEntries'), maxSize)
    super(new Keyv(store, { namespace: undefined, useKeyPrefix: false, serialize: undefined, deserialize: undefined, throwOnErrors: true }), { codec, timeout: Infinity })
    this.#store = store
  }

  /** How many entries are kept. */
  get size (): number { return this.#store.lru.count }

  /** How many bytes the kept entries take, as encoded. */
  get bytes (): number { return this.#store.lru.bytes }

  protected override readNow (key: string): unknown {
    return this.#store.lru.get(key)
  }

  /** Reads the map directly, not through Keyv's hooks and promises. */
  protected override readValue (key: string): unknown {
    return this.#store.lru.get(key)
  }

  protected override async * rawEntries (): AsyncIterable<[string, unknown]> {
    yield * [...this.#store.lru.entries()]
  }
}
