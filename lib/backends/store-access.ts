/**
 * The Keyv store as a backend reaches it: opened (and opened again after a failed open), every operation bounded by
 * `timeout`, left alone for `retryAfter` after a failure, then tried again by one read at a time.
 */
import type Keyv from 'keyv'

/** Opens the Keyv store; called again (after `retryAfter`) when an earlier attempt failed. */
export type StoreOpener = () => Promise<Keyv>

/** What a read may do now: go to the store, go as the one read that tries it again after a rest, or skip it. */
export type ReadTurn = 'go' | 'probe' | 'skip'

function positiveMs (value: unknown, option: string, infinityAllowed: boolean, owner: string): number {
  if (typeof value !== 'number' || !(value > 0) || (value === Infinity && !infinityAllowed)) {
    throw new TypeError(`${owner}: ${option} must be a number of ms greater than 0${infinityAllowed ? ' (or Infinity)' : ''}; got ${String(value)}`)
  }
  return value
}

export class StoreAccess {
  #keyv: Promise<Keyv>
  readonly #open: StoreOpener | undefined
  #openFailed = false
  readonly #timeout: number
  readonly #retryAfter: number
  readonly #onOpenError: (error: unknown) => void
  /** Until when (epoch ms) the store is left alone after a failure; 0 when it is in use. */
  #restingUntil = 0
  /** True while one read tries the store again after a rest: the other requests keep skipping it until that read succeeds. */
  #probing = false

  /** `owner` names the backend in the errors of its options; `onOpenError` hears of every failed open. */
  constructor (store: Keyv | Promise<Keyv> | StoreOpener, options: { timeout: unknown, retryAfter: unknown }, owner: string, onOpenError: (error: unknown) => void) {
    this.#timeout = positiveMs(options.timeout, 'timeout', true, owner)
    this.#retryAfter = positiveMs(options.retryAfter, 'retryAfter', false, owner)
    this.#onOpenError = onOpenError
    this.#open = typeof store === 'function' ? store : undefined
    this.#keyv = this.#opened(typeof store === 'function' ? store() : Promise.resolve(store))
  }

  #opened (keyv: Promise<Keyv>): Promise<Keyv> {
    keyv.catch((error: unknown) => {
      this.#onOpenError(error)
      this.#openFailed = true
      this.rest()
    })
    return keyv
  }

  /** The Keyv instance (it may still be opening). */
  get keyv (): Promise<Keyv> {
    return this.#keyv
  }

  /** After a failure: requests skip the store for `retryAfter` ms. */
  rest (): void {
    this.#restingUntil = Date.now() + this.#retryAfter
  }

  /**
   * False while the store is resting after a failure, or while a read tries it again; once the rest is over, opens
   * again a store that failed to open.
   */
  #usable (): boolean {
    if (this.#probing || Date.now() < this.#restingUntil) return false
    if (this.#openFailed && this.#open !== undefined) {
      this.#openFailed = false
      this.#keyv = this.#opened(this.#open())
    }
    return true
  }

  /** Whether a write may go to the store now (not while it rests). */
  writable (): boolean {
    return this.#restingUntil === 0 || this.#usable()
  }

  /**
   * Starts a read: after a rest, the first read tries the store again alone (a store that hangs then holds up one
   * request, not every one) and the others skip it. Every read that did not skip calls {@link endRead}.
   */
  startRead (): ReadTurn {
    if (this.#restingUntil === 0) return 'go'
    if (!this.#usable()) return 'skip'
    this.#probing = true
    return 'probe'
  }

  /** Ends a read: a failed one rests the store; the probe that succeeded puts it back in use. */
  endRead (turn: ReadTurn, ok: boolean): void {
    if (turn === 'probe') this.#probing = false
    if (!ok) this.rest()
    else if (turn === 'probe') this.#restingUntil = 0
  }

  /** `operation`, or a rejection once it has taken longer than the backend's timeout. */
  bounded<T> (operation: Promise<T>, what: string): Promise<T> {
    if (this.#timeout === Infinity) return operation
    let timer: NodeJS.Timeout | undefined
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${this.#timeout} ms`)), this.#timeout)
      timer.unref()
    })
    return Promise.race([operation, expired]).finally(() => clearTimeout(timer))
  }
}
