/** CacheBackend: cached responses kept in a Keyv store, with the management operations every backend shares. */
import Keyv from 'keyv'
import { decodeEntry, encodeEntry, type CacheEntry } from '../entry.js'
import { toHeaderRecord } from '../headers.js'
import { KeyBuilder, type CacheRequest } from '../key.js'
import { debug } from '../log.js'

/** How entries are turned into the values a Keyv store holds, and back. */
export interface EntryCodec {
  encode (entry: CacheEntry): unknown
  /** Returns undefined for anything that is not a readable entry of the current version. */
  decode (value: unknown): CacheEntry | undefined
}

/** The versioned binary encoding (see `entry.ts`); a Buffer round-trips through every Keyv serializer. */
export const binaryCodec: EntryCodec = { encode: encodeEntry, decode: decodeEntry }

export interface CacheBackendOptions {
  /** How entries become store values and back. Default: the versioned binary encoding. */
  codec?: EntryCodec
  /**
   * How long (ms) a read or a write may take before the cache gives up on it: a read then counts as a miss and the
   * request goes to the network; a write is dropped. Default 2000; `Infinity` for none.
   */
  timeout?: number
}

/** A request described for `hasUrl` / `deleteUrl`, keyed exactly as the interceptor keys it. */
export interface UrlRequestInit {
  /** Default `'GET'`. */
  method?: string
  /** Request headers, when the key includes some (`includeHeaders`). */
  headers?: Record<string, string | string[]> | Array<[string, string]> | Iterable<[string, string]>
  /** The request body, when the key includes one (e.g. a cached POST). */
  body?: string | Uint8Array
}

/** Builds the key of a request given by URL, with `keys`' rules. */
export function keyOfUrl (keys: KeyBuilder, url: string | URL, init: UrlRequestInit = {}): string {
  const parsed = new URL(url)
  const request: CacheRequest = {
    method: (init.method ?? 'GET').toUpperCase(),
    url: parsed.href,
    headers: toHeaderRecord(init.headers),
    body: init.body === undefined ? undefined : Buffer.from(init.body as string)
  }
  return keys.keyOf(request, parsed)
}

/**
 * Responses stored in a Keyv store. Store failures never reach the caller: a read that fails or finds a value
 * that is not a readable entry is a miss (and the entry is overwritten by the next response); a failed write is
 * logged (`NODE_DEBUG=undici-client-cache`) and dropped.
 */
export class CacheBackend {
  readonly #keyv: Promise<Keyv>
  readonly #codec: EntryCodec
  readonly #timeout: number
  /** Writes still in flight, by key: a read of the same key waits for them, so a process reads its own writes. */
  readonly #pending = new Map<string, Promise<void>>()
  /**
   * The key rules `hasUrl` and `deleteUrl` use. The interceptor a backend is given to sets its own; a backend
   * shared by interceptors with different key options uses those of the last one created.
   */
  keyBuilder = new KeyBuilder({ ignoredParams: [], includeHeaders: false, keyFn: undefined })

  constructor (keyv: Keyv | Promise<Keyv>, options: CacheBackendOptions = {}) {
    const { codec = binaryCodec, timeout = 2000 } = options
    if (typeof timeout !== 'number' || !(timeout > 0)) throw new TypeError(`CacheBackend: timeout must be a number of ms greater than 0 (or Infinity); got ${String(timeout)}`)
    this.#keyv = Promise.resolve(keyv)
    this.#keyv.catch((error: unknown) => debug('store failed to open: %s', error))
    this.#codec = codec
    this.#timeout = timeout
  }

  /** The Keyv instance entries are kept in (it may still be opening). */
  get keyv (): Promise<Keyv> {
    return this.#keyv
  }

  /**
   * Reads an entry; a missing, unreadable, failing or too slow read (see `timeout`) is undefined, never an
   * exception, so the request goes to the network.
   */
  async get (key: string): Promise<CacheEntry | undefined> {
    let value: unknown
    try {
      value = await this.#bounded(Promise.resolve(this.#read(key)), `read of ${key}`)
    } catch (error) {
      debug('read of %s failed: %s', key, error)
      return undefined
    }
    if (value === undefined || value === null) return undefined
    const entry = this.#codec.decode(value)
    if (entry === undefined) debug('entry %s is not readable; treated as a miss', key)
    return entry
  }

  #read (key: string): unknown {
    const pending = this.#pending.get(key)
    return pending === undefined ? this.readValue(key) : pending.then(() => this.readValue(key))
  }

  /** The raw value stored under `key`, as the store holds it. Backends with a faster path than Keyv's override it. */
  protected readValue (key: string): unknown {
    return this.#keyv.then(async (keyv) => keyv.get(key))
  }

  /** `operation`, or a rejection once it has taken longer than the backend's timeout. */
  #bounded<T> (operation: Promise<T>, what: string): Promise<T> {
    if (this.#timeout === Infinity) return operation
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${this.#timeout} ms`)), this.#timeout)
      timer.unref()
    })
    return Promise.race([operation, expired]).finally(() => clearTimeout(timer))
  }

  /**
   * Writes an entry; given a promise (an entry still being vetted), writes what it resolves to, if anything.
   * Reads of the key wait for the write from the moment `set` is called. The promise always resolves; a failed
   * write is logged and leaves the cache without the entry.
   */
  set (key: string, entry: CacheEntry | Promise<CacheEntry | undefined>): Promise<void> {
    const write = this.#write(key, entry).finally(() => {
      if (this.#pending.get(key) === write) this.#pending.delete(key)
    })
    this.#pending.set(key, write)
    return write
  }

  async #write (key: string, entry: CacheEntry | Promise<CacheEntry | undefined>): Promise<void> {
    try {
      // The bound covers the vetting too (a user's async filter), so a pending write always settles.
      await this.#bounded((async () => {
        const value = await entry
        if (value !== undefined) await (await this.#keyv).set(key, this.#codec.encode(value))
      })(), `write of ${key}`)
    } catch (error) {
      debug('write of %s failed: %s', key, error)
    }
  }

  /** Deletes one entry by key; true when there was one. */
  async delete (key: string): Promise<boolean> {
    await this.#pending.get(key)
    return (await this.#keyv).delete(key)
  }

  /** Deletes every entry. */
  async clear (): Promise<void> {
    await this.flush()
    await (await this.#keyv).clear()
  }

  /** True when a response for this request is stored (fresh or not). */
  async hasUrl (url: string | URL, init?: UrlRequestInit): Promise<boolean> {
    return (await this.get(keyOfUrl(this.keyBuilder, url, init))) !== undefined
  }

  /** Deletes the response stored for this request; true when there was one. */
  async deleteUrl (url: string | URL, init?: UrlRequestInit): Promise<boolean> {
    return this.delete(keyOfUrl(this.keyBuilder, url, init))
  }

  /** The URLs of every stored response (expired ones included), in storage order. */
  async * urls (): AsyncIterable<string> {
    await this.flush()
    for await (const [, value] of this.rawEntries()) {
      const entry = this.#codec.decode(value)
      if (entry) yield entry.url
    }
  }

  /** Deletes every expired entry, and every value that is not a readable entry. Returns how many were deleted. */
  async deleteExpired (now = Date.now()): Promise<number> {
    await this.flush()
    const doomed: string[] = []
    for await (const [key, value] of this.rawEntries()) {
      const entry = this.#codec.decode(value)
      if (entry === undefined || (entry.expiresAt !== null && entry.expiresAt <= now)) doomed.push(key)
    }
    const keyv = await this.#keyv
    for (const key of doomed) await keyv.delete(key)
    return doomed.length
  }

  /** Resolves once every write started so far has finished. */
  async flush (): Promise<void> {
    await Promise.all(this.#pending.values())
  }

  /** Finishes pending writes and closes the store's connection (a store that never opened has nothing to close). */
  async close (): Promise<void> {
    await this.flush()
    try {
      await (await this.#keyv).disconnect()
    } catch (error) {
      debug('closing the store failed: %s', error)
    }
  }

  /**
   * Every stored `[key, value]`, as the store holds them. Backends that can list their keys more efficiently
   * override this; the default uses Keyv's iterator, which not every store adapter has.
   */
  protected async * rawEntries (): AsyncIterable<[string, unknown]> {
    const keyv = await this.#keyv
    if (typeof keyv.iterator !== 'function') {
      throw new TypeError('This Keyv store cannot list its keys (it has no iterator), so urls() and deleteExpired() are not available on it')
    }
    for await (const [key, value] of keyv.iterator(keyv.namespace) as AsyncIterable<[string, unknown]>) yield [key, value]
  }
}
