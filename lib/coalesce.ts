/**
 * Request coalescing: while a request for a key is at the origin (the leader), identical requests (followers) wait for
 * the entry it stores instead of going to the origin too. A leader that stores nothing releases its followers, which
 * then go to the origin themselves.
 */
import type { CacheEntry } from './entry.js'

/** What a leader reports once: the entry it stored (or is storing), or undefined when it stored nothing. */
export type Settle = (outcome: CacheEntry | undefined | Promise<CacheEntry | undefined>) => void

export class InFlight {
  readonly #leaders = new Map<string, Promise<CacheEntry | undefined>>()

  /** The outcome of the request in flight for `key`, if there is one. */
  waitFor (key: string): Promise<CacheEntry | undefined> | undefined {
    return this.#leaders.get(key)
  }

  /** Makes the caller the leader for `key`; the first call of the returned function settles it (later calls are ignored). */
  lead (key: string): Settle {
    let resolve!: (outcome: CacheEntry | undefined) => void
    const outcome = new Promise<CacheEntry | undefined>((done) => { resolve = done })
    this.#leaders.set(key, outcome)
    let settled = false
    return (value) => {
      if (settled) return
      settled = true
      const finish = (entry: CacheEntry | undefined): void => {
        if (this.#leaders.get(key) === outcome) this.#leaders.delete(key)
        resolve(entry)
      }
      Promise.resolve(value).then(finish, () => finish(undefined))
    }
  }
}
