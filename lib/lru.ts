/** A Map kept in least-recently-used order and bounded by count and by size: O(1) reads, writes and evictions. */
export class Lru<K, V> {
  readonly #map = new Map<K, { value: V, size: number }>()
  readonly #maxEntries: number
  readonly #maxSize: number
  #size = 0

  constructor (maxEntries: number, maxSize: number) {
    this.#maxEntries = maxEntries
    this.#maxSize = maxSize
  }

  /** The sum of the sizes of the values kept. */
  get bytes (): number { return this.#size }
  /** How many values are kept. */
  get count (): number { return this.#map.size }

  /** The value under `key`, which becomes the most recently used. */
  get (key: K): V | undefined {
    const slot = this.#map.get(key)
    if (slot === undefined) return undefined
    // Re-inserting moves the key to the end of the Map's order: the most recently used.
    this.#map.delete(key)
    this.#map.set(key, slot)
    return slot.value
  }

  /** Keeps `value` (evicting the least recently used past a limit); false when it is larger than `maxSize` alone. */
  set (key: K, value: V, size: number): boolean {
    this.delete(key)
    if (size > this.#maxSize) return false
    this.#map.set(key, { value, size })
    this.#size += size
    for (const [oldest, slot] of this.#map) {
      if (this.#map.size <= this.#maxEntries && this.#size <= this.#maxSize) break
      this.#map.delete(oldest)
      this.#size -= slot.size
    }
    return true
  }

  delete (key: K): boolean {
    const slot = this.#map.get(key)
    if (slot === undefined) return false
    this.#map.delete(key)
    this.#size -= slot.size
    return true
  }

  has (key: K): boolean {
    return this.#map.has(key)
  }

  clear (): void {
    this.#map.clear()
    this.#size = 0
  }

  /** Every `[key, value]`, least recently used first (without changing the order). */
  * entries (): IterableIterator<[K, V]> {
    for (const [key, slot] of this.#map) yield [key, slot.value]
  }
}

/** Throws a TypeError naming `option` unless `value` is a positive integer or Infinity. */
export function assertLimit (value: unknown, option: string): number {
  if (typeof value !== 'number' || !(value > 0) || (!Number.isInteger(value) && value !== Infinity)) {
    throw new TypeError(`${option} must be a positive integer or Infinity; got ${String(value)}`)
  }
  return value
}
