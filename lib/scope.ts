/**
 * withoutCache(): a stretch of code during which no cache interceptor reads or stores. The stretch is tracked with an
 * AsyncLocalStorage, so it covers what `fn` calls, awaits and starts, and nothing that runs beside it.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import { describe } from './expiry.js'

const disabled = new AsyncLocalStorage<true>()

/**
 * Runs `fn` (sync or async) and returns what it returns. Every request `fn` makes, directly or through what it calls,
 * goes past every cache interceptor as if it had the per-request option `cache: false`: nothing is read, nothing is
 * stored (an unsafe request still invalidates what it changes). Calls may be nested; requests made outside `fn`, even
 * while it runs, use the cache as usual.
 */
export function withoutCache<T> (fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`withoutCache needs a function to run; got ${describe(fn)}`)
  return disabled.run(true, fn)
}

/** True while the current code runs inside withoutCache(). */
export function cacheDisabled (): boolean {
  return disabled.getStore() === true
}
