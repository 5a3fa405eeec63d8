/** CacheBackend: cached responses kept in a Keyv store, with the management operations every backend shares. */
import Keyv from 'keyv'
import { aliasTarget, isAlias } from '../aliases.js'
import { decodeEntry, encodeEntry, entrySize, isExpired, isResponse, type CacheEntry } from '../entry.js'
import { newCounters, reportError, reportStore, type Counters } from '../events.js'
import { assertExpireAfter, DO_NOT_CACHE, resolveExpireAfter, type ExpireAfter } from '../expiry.js'
import { KeyBuilder } from '../key.js'
import { debug } from '../log.js'
import { MemoryLayer } from './memory-layer.js'
import { entryInfo, entryMatcher, keyOfUrl, type EntryFilter, type EntryInfo, type UrlRequestInit } from './selection.js'
import { StoreAccess, type StoreOpener } from './store-access.js'
import type { CacheBackendOptions } from './store-options.js'

/** How entries are turned into the values a Keyv store holds, and back. */
export interface EntryCodec {
  encode (entry: CacheEntry): unknown
  /** Returns undefined for anything that is not a readable entry of the current version. */
  decode (value: unknown): CacheEntry | undefined
}

/** The versioned binary encoding (see `entry.ts`); a Buffer round-trips through every Keyv serializer. */
export const binaryCodec: EntryCodec = { encode: encodeEntry, decode: decodeEntry }

/** What `stats()` returns: what the store holds now, and what this process's requests did since the backend was made. */
export interface CacheStats {
  /** Stored responses (variants counted one by one). */
  entries: number
  /** Their size in bytes, as stored. */
  bytes: number
  /** How many of them are past their expiry. */
  expired: number
  /** Requests answered from the cache. */
  hits: number
  /** Requests the cache took part in that went to the origin (or waited for an identical one). */
  misses: number
  /** Responses written to the store. */
  stored: number
  /** Store operations that failed or timed out. */
  errors: number
}

/** Options of a deletion by filter. */
export interface DeleteOptions {
  /** Called as the deletion goes, with how many entries are deleted so far out of how many it will delete. */
  onProgress?: (progress: { deleted: number, total: number }) => void
}

/** How many deletions (or rewrites) a management call keeps in flight at once. */
const BATCH = 64



/**
 * Responses stored in a Keyv store. Store failures never reach the caller: a read that fails or finds a value
 * that is not a readable entry is a miss (and the entry is overwritten by the next response); a failed write is
 * logged (`NODE_DEBUG=undici-client-cache`) and dropped.
 */
export class CacheBackend {
  /** The store, opened, bounded by `timeout` and rested after failures. */
  readonly #store: StoreAccess
  readonly #codec: EntryCodec
  readonly #keepStaleFor: number | undefined
  /** The largest entry (bytes, encoded) this backend's store can hold. */
  readonly maxEntrySize: number
  /** Writes still in flight, by key: a read of the same key waits for them, so a process reads its own writes. */
  readonly #pending = new Map<string, Promise<void>>()
  /** Recently read and written entries, kept decoded (the `memoryLayer` option). */
  readonly #layer: MemoryLayer | undefined
  /** Counts the writes and deletes started: a read that overlapped one does not refresh the memory layer. */
  #changes = 0
  /**
   * What this process's requests did since the backend was made: hits, misses, responses stored, store errors (the
   * interceptor counts here). Read it as it stands, without touching the store; `stats()` adds what the store holds.
   */
  readonly counters: Counters = newCounters()
  /**
   * The key rules `hasUrl` and `deleteUrl` use. The interceptor a backend is given to sets its own; a backend
   * shared by interceptors with different key options uses those of the last one created.
   */
  keyBuilder = new KeyBuilder({ ignoredParams: [], includeHeaders: false, keyFn: undefined })

  /**
   * @param store A Keyv instance, a promise of one, or a function that opens one: a store opened by a function
   * that fails to open is opened again by a later request, `retryAfter` ms on.
   */
  constructor (store: Keyv | Promise<Keyv> | StoreOpener, options: CacheBackendOptions = {}) {
    const { codec = binaryCodec, timeout = 2000, retryAfter = 1000, keepStaleFor, maxEntrySize = Infinity, memoryLayer } = options
    this.#store = new StoreAccess(store, { timeout, retryAfter }, new.target.name, (error) => reportError(this.counters, 'open', undefined, error))
    this.#keepStaleFor = keepStaleFor
    this.maxEntrySize = maxEntrySize
    this.#codec = codec
    if (memoryLayer !== undefined && memoryLayer !== false) this.#layer = new MemoryLayer(memoryLayer === true ? {} : memoryLayer, new.target.name)
  }

  /** The Keyv instance entries are kept in (it may still be opening). */
  get keyv (): Promise<Keyv> {
    return this.#store.keyv
  }

  /**
   * Reads an entry; a missing, unreadable, failing or too slow read (see `timeout`) is undefined, never an
   * exception, so the request goes to the network.
   */
  async get (key: string): Promise<CacheEntry | undefined> {
    const kept = this.peek(key)
    if (kept !== undefined) return kept
    const turn = this.#store.startRead()
    if (turn === 'skip') return undefined
    const changes = this.#changes
    let value: unknown
    try {
      value = await this.#store.bounded(Promise.resolve(this.#read(key)), `read of ${key}`)
      this.#store.endRead(turn, true)
    } catch (error) {
      reportError(this.counters, 'read', key, error)
      this.#store.endRead(turn, false)
      return undefined
    }
    const entry = value === undefined || value === null ? undefined : this.#codec.decode(value)
    if (entry === undefined && value !== undefined && value !== null) debug('entry %s is not readable; treated as a miss', key)
    // (A write or delete that started meanwhile may have been overtaken by this read: leave the layer to it.)
    if (changes === this.#changes) this.#layer?.set(key, entry)
    return entry
  }

  /**
   * The entry under `key` when this process holds it in memory (a MemoryBackend, or the memory layer) and no write
   * of it is in flight; otherwise undefined, and `get` has the answer. Never waits.
   */
  peek (key: string): CacheEntry | undefined {
    if (this.#pending.size !== 0 && this.#pending.has(key)) return undefined
    const kept = this.#layer?.get(key)
    if (kept !== undefined) return kept
    const value = this.readNow(key)
    const entry = value === undefined ? undefined : this.#codec.decode(value)
    if (entry !== undefined) this.#layer?.set(key, entry)
    return entry
  }

  /** The raw value under `key` when the store can give it without waiting (a MemoryBackend's map); else undefined. */
  protected readNow (_key: string): unknown {
    return undefined
  }

  #read (key: string): unknown {
    const pending = this.#pending.get(key)
    return pending === undefined ? this.readValue(key) : pending.then(() => this.readValue(key))
  }

  /** The raw value stored under `key`, as the store holds it. Backends with a faster path than Keyv's override it. */
  protected readValue (key: string): unknown {
    return this.#store.keyv.then(async (keyv) => keyv.get(key))
  }

  /**
   * Writes an entry; given a promise (an entry still being vetted), writes what it resolves to, if anything.
   * Reads of the key wait for the write from the moment `set` is called. The promise always resolves; a failed
   * write is logged and leaves the cache without the entry.
   */
  set (key: string, entry: CacheEntry | Promise<CacheEntry | undefined>): Promise<void> {
    return this.#change(key, async () => this.#write(key, entry))
  }

  /**
   * Runs a change of `key` once the change of it before (if any) has settled, so that changes apply in the order they
   * were asked for; reads of the key wait for it from now on.
   */
  #change<T> (key: string, run: () => Promise<T>): Promise<T> {
    this.#changes++
    const previous = this.#pending.get(key)
    const change = previous === undefined ? run() : previous.then(run)
    const tracked = change.finally(() => {
      if (this.#pending.get(key) === settled) this.#pending.delete(key)
    })
    const settled = tracked.then(() => undefined, () => undefined)
    this.#pending.set(key, settled)
    return tracked
  }

  /** Writes an entry (a response is reported as stored, unless it is a rewrite by a management call: `reported` false). */
  async #write (key: string, entry: CacheEntry | Promise<CacheEntry | undefined>, reported = true): Promise<void> {
    try {
      // The bound covers the vetting too (a user's async filter), so a pending write always settles.
      await this.#store.bounded((async () => {
        const value = await entry
        if (value === undefined || !this.#store.writable()) return
        if (this.maxEntrySize !== Infinity && entrySize(value) > this.maxEntrySize) {
          debug('entry %s (%s) is larger than the store takes (%d bytes); not stored', key, value.url, this.maxEntrySize)
          return
        }
        const ttl = this.#storeTtl(value)
        if (ttl !== undefined && ttl <= 0) return
        const started = performance.now()
        const encoded = this.#codec.encode(value)
        await (await this.#store.keyv).set(key, encoded, ttl)
        this.#layer?.set(key, value)
        if (reported && isResponse(value)) {
          reportStore(this.counters, () => ({ key, url: value.url, method: value.method, status: value.status, size: sizeOf(encoded, value), expiresAt: value.expiresAt, duration: performance.now() - started }))
        }
      })(), `write of ${key}`)
    } catch (error) {
      // (Only a failed read rests the store: a write that is slow under load says less about the store.)
      reportError(this.counters, 'write', key, error)
    }
  }

  /** The expiry (ms from now) the store itself gives an entry: undefined for none; 0 or less: already past it. */
  #storeTtl (entry: CacheEntry): number | undefined {
    if (this.#keepStaleFor === undefined || entry.expiresAt === null) return undefined
    return Math.ceil(entry.expiresAt + this.#keepStaleFor - Date.now())
  }

  /**
   * Deletes the entry under `key` (true when there was one), or every entry a filter selects (how many were deleted;
   * the aliases of a redirect chain go with the entry they name). Rejects when the store fails.
   */
  delete (key: string): Promise<boolean>
  delete (filter: EntryFilter, options?: DeleteOptions): Promise<number>
  delete (target: string | EntryFilter, options: DeleteOptions = {}): Promise<boolean | number> {
    if (typeof target === 'string') return this.#deleteKey(target)
    return this.#deleteMatching(target, options, 'delete()')
  }

  #deleteKey (key: string): Promise<boolean> {
    // Registered at once: a read of the key that starts after this call waits for the deletion. Bounded like a write,
    // so that a store that hangs never holds up the later changes of the key, flush() or close().
    return this.#change(key, async () => {
      const deleted = await this.#store.bounded((async () => (await this.#store.keyv).delete(key))(), `delete of ${key}`)
      // (After the store's deletion: a write queued before this one has put its entry in the layer by now.)
      this.#layer?.delete(key)
      return deleted
    })
  }

  /** Deletes every entry. */
  async clear (): Promise<void> {
    await this.flush()
    this.#layer?.clear()
    await this.clearStore(await this.#store.keyv)
  }

  /** Deletes every entry of the store. Backends whose adapter reports a failed clear some other way override it. */
  protected async clearStore (keyv: Keyv): Promise<void> {
    await keyv.clear()
  }

  /**
   * Reads the entry under `key`, following it when it is the alias of a redirect chain's URL: the entry found, and
   * the key it is stored under.
   */
  async getResolved (key: string): Promise<{ key: string, entry: CacheEntry | undefined }> {
    const entry = await this.get(key)
    const target = entry && isAlias(entry) ? aliasTarget(entry) : undefined
    return target === undefined ? { key, entry } : { key: target, entry: await this.get(target) }
  }

  /** True when a response for this request is stored (fresh or not). */
  async hasUrl (url: string | URL, init?: UrlRequestInit): Promise<boolean> {
    return (await this.getResolved(keyOfUrl(this.keyBuilder, url, init))).entry !== undefined
  }

  /** Deletes the response stored for this request; true when there was one. */
  async deleteUrl (url: string | URL, init?: UrlRequestInit): Promise<boolean> {
    return this.delete(keyOfUrl(this.keyBuilder, url, init))
  }

  /** The URLs of every stored response (expired ones included), in storage order. */
  async * urls (): AsyncIterable<string> {
    for await (const { url } of this.entries()) yield url
  }

  /** The stored responses a filter selects (all of them by default), in storage order; see {@link EntryFilter}. */
  async * entries (filter: EntryFilter = {}): AsyncIterable<EntryInfo> {
    const now = Date.now()
    const matches = entryMatcher(filter, this.keyBuilder, now, 'entries()', false)
    for await (const { key, entry, size } of this.#stored()) {
      // (The index of a URL's variants and the aliases of redirect chains are not responses.)
      const info = entry !== undefined && matches(key, entry) ? entryInfo(key, entry, size, now) : undefined
      if (info !== undefined) yield info
    }
  }

  /** Deletes every expired entry, and every value that is not a readable entry. Returns how many were deleted. */
  async deleteExpired (now = Date.now()): Promise<number> {
    return this.#deleteMatching({ expired: true }, {}, 'deleteExpired()', now)
  }

  async #deleteMatching (filter: EntryFilter, { onProgress }: DeleteOptions, caller: string, now = Date.now()): Promise<number> {
    const matches = entryMatcher(filter, this.keyBuilder, now, caller, true)
    const doomed = new Set<string>()
    const aliases: Array<[key: string, target: string | undefined]> = []
    for await (const { key, entry } of this.#stored()) {
      if (matches(key, entry)) doomed.add(key)
      else if (entry !== undefined && isAlias(entry)) aliases.push([key, aliasTarget(entry)])
    }
    for (const [key, target] of aliases) if (target !== undefined && doomed.has(target)) doomed.add(key)
    await this.#inBatches([...doomed], (key) => this.#deleteKey(key), onProgress)
    return doomed.size
  }

  /**
   * Gives the stored responses a filter selects (all of them by default) a new expiry, counted from now; returns how
   * many. `EXPIRE_IMMEDIATELY` makes them stale at once, `NEVER_EXPIRE` fresh for good.
   */
  async resetExpiration (expireAfter: ExpireAfter, filter: EntryFilter = {}): Promise<number> {
    assertExpireAfter(expireAfter, 'resetExpiration(): expireAfter')
    if (expireAfter === DO_NOT_CACHE) throw new TypeError('resetExpiration(): expireAfter cannot be DO_NOT_CACHE (delete() removes entries)')
    const now = Date.now()
    const matches = entryMatcher(filter, this.keyBuilder, now, 'resetExpiration()', false)
    const expiresAt = resolveExpireAfter(expireAfter, now) as number | null
    const chosen: Array<[string, CacheEntry]> = []
    for await (const { key, entry } of this.#stored()) {
      if (entry !== undefined && isResponse(entry) && matches(key, entry)) chosen.push([key, entry])
    }
    await this.#inBatches(chosen, async ([key, entry]) => this.#change(key, async () => this.#write(key, { ...entry, expiresAt }, false)))
    return chosen.length
  }

  /** What the store holds now (one pass over it), and what this process's requests did since the backend was made. */
  async stats (): Promise<CacheStats> {
    const now = Date.now()
    const stats: CacheStats = { entries: 0, bytes: 0, expired: 0, ...this.counters }
    for await (const { entry, size } of this.#stored()) {
      if (entry === undefined || !isResponse(entry)) continue
      stats.entries++
      stats.bytes += size
      if (isExpired(entry, now)) stats.expired++
    }
    return stats
  }

  /** Every stored value, decoded (undefined when it is not a readable entry), once the writes started so far are done. */
  async * #stored (): AsyncIterable<{ key: string, entry: CacheEntry | undefined, size: number }> {
    await this.flush()
    for await (const [key, value] of this.rawEntries()) {
      const entry = this.#codec.decode(value)
      yield { key, entry, size: entry === undefined ? 0 : sizeOf(value, entry) }
    }
  }

  /** Runs `run` over `items`, {@link BATCH} at a time, reporting progress after each batch. */
  async #inBatches<T> (items: T[], run: (item: T) => Promise<unknown>, onProgress?: DeleteOptions['onProgress']): Promise<void> {
    for (let done = 0; done < items.length;) {
      const batch = items.slice(done, done + BATCH)
      await Promise.all(batch.map(run))
      done += batch.length
      onProgress?.({ deleted: done, total: items.length })
    }
  }

  /** Resolves once every write started so far has finished. */
  async flush (): Promise<void> {
    await Promise.all(this.#pending.values())
  }

  /**
   * Finishes pending writes and closes the store's connection (a store that never opened has nothing to close). A
   * store that has not let go within the timeout (a server that does not answer) is not waited for: the backend drops
   * its connection where it can (see `abandon`), and the failure is reported.
   */
  async close (): Promise<void> {
    await this.flush()
    // (A store still opening is closed once it is open, however long that takes.)
    const closing = this.#store.keyv.then(async (keyv) => keyv.disconnect())
    try {
      await this.#store.bounded(closing, 'close')
    } catch (error) {
      reportError(this.counters, 'close', undefined, error)
      this.abandon()
    }
  }

  /** Called when the store's connection did not close in time: a backend that can drop it at once does so. */
  protected abandon (): void {}

  /**
   * Every stored `[key, value]`, as the store holds them. Backends that can list their keys more efficiently
   * override this; the default uses Keyv's iterator, which not every store adapter has.
   */
  protected async * rawEntries (): AsyncIterable<[string, unknown]> {
    const keyv = await this.#store.keyv
    if (typeof keyv.iterator !== 'function') {
      throw new TypeError('This Keyv store cannot list its keys (it has no iterator), so urls() and deleteExpired() are not available on it')
    }
    for await (const [key, value] of keyv.iterator(keyv.namespace) as AsyncIterable<[string, unknown]>) yield [key, value]
  }
}

/** An entry's size in bytes as stored: its encoded value's length, or an estimate when the store keeps objects. */
function sizeOf (value: unknown, entry: CacheEntry): number {
  return value instanceof Uint8Array ? value.byteLength : typeof value === 'string' ? Buffer.byteLength(value) : entrySize(entry)
}
