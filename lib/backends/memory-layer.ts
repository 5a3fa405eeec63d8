/**
 * MemoryLayer: the entries a persistent backend recently read or wrote, kept decoded in this process, so that a hit on
 * a hot URL costs a Map lookup instead of a trip to the store.
 */
import { entrySize, type CacheEntry } from '../entry.js'
import { describe, durationMs } from '../expiry.js'
import { assertLimit, Lru } from '../lru.js'

export interface MemoryLayerOptions {
  /** The most entries kept in memory; the least recently used go first. Default 1,000. */
  maxEntries?: number
  /** The most bytes kept in memory (bodies, headers and URLs). Default 32 MiB. */
  maxSize?: number
  /**
   * How long an entry read from (or written to) the store is answered from memory before the store is read again:
   * seconds, or a duration such as `'500ms'` or `'5s'`. Changes other processes make to the store (a newer response, a
   * deletion) are seen here after at most this long; changes made through this backend are seen at once. `Infinity`
   * when no other process writes to the store. Default `'1s'`.
   */
  maxAge?: number | string
}

const OPTION_NAMES = new Set(['maxEntries', 'maxSize', 'maxAge'])

/**
 * The entry with a body that is not a view into a larger memory block (Node's shared 8 KiB pool, where small Buffers
 * are carved from, or a whole decoded value): kept for long, such a view would keep the whole block alive.
 */
function withOwnBody (entry: CacheEntry): CacheEntry {
  const { body } = entry
  if (body.byteLength === body.buffer.byteLength) return entry
  const own = Buffer.allocUnsafeSlow(body.length)
  body.copy(own)
  return { ...entry, body: own }
}

export class MemoryLayer {
  readonly #entries: Lru<string, { entry: CacheEntry, until: number }>
  readonly #maxAge: number

  /** `owner` names the backend in the TypeError a bad option throws. */
  constructor (options: unknown, owner: string) {
    const option = `${owner}: memoryLayer`
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TypeError(`${option} must be true or an object of { maxEntries, maxSize, maxAge }; got ${describe(options)}`)
    }
    const unknown = Object.keys(options).find((name) => !OPTION_NAMES.has(name))
    if (unknown !== undefined) throw new TypeError(`${option}: unknown option ${JSON.stringify(unknown)} (known: maxEntries, maxSize, maxAge)`)
    const { maxEntries = 1000, maxSize = 32 * 1024 * 1024, maxAge = '1s' } = options as MemoryLayerOptions
    this.#entries = new Lru(assertLimit(maxEntries, `${option}.maxEntries`), assertLimit(maxSize, `${option}.maxSize`))
    this.#maxAge = maxAge === Infinity ? Infinity : durationMs(maxAge, `${option}.maxAge`)
  }

  /** The entry kept under `key`, while it is younger than `maxAge`. */
  get (key: string, now = Date.now()): CacheEntry | undefined {
    const kept = this.#entries.get(key)
    return kept !== undefined && kept.until > now ? kept.entry : undefined
  }

  /** Keeps what the store now holds under `key` (undefined: nothing). */
  set (key: string, entry: CacheEntry | undefined): void {
    if (entry === undefined) this.#entries.delete(key)
    else this.#entries.set(key, { entry: withOwnBody(entry), until: Date.now() + this.#maxAge }, entrySize(entry))
  }

  delete (key: string): void {
    this.#entries.delete(key)
  }

  clear (): void {
    this.#entries.clear()
  }
}
