/** A memo with a ceiling: a Map that starts over when it reaches `limit` entries, so it never grows without bound. */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>()
  readonly #limit: number

  constructor (limit: number) {
    this.#limit = limit
  }

  get (key: K): V | undefined {
    return this.#map.get(key)
  }

  set (key: K, value: V): void {
    if (this.#map.size >= this.#limit) this.#map.clear()
    this.#map.set(key, value)
  }
}
