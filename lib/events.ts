/**
 * What the cache reports as it works: `node:diagnostics_channel` channels, the `NODE_DEBUG=undici-client-cache` log,
 * and the counters `stats()` returns. Reporting costs nothing beyond a counter when nobody listens.
 */
import { channel } from 'node:diagnostics_channel'
import { isExpired, type CacheEntry } from './entry.js'
import { debug } from './log.js'

/** A request answered from the cache (fresh, or stale where allowed). */
export interface HitMessage {
  key: string
  /** The URL as the cache stores it (normalized, ignored parameters `REDACTED`). */
  url: string
  method: string
  status: number
  /** True when the entry was past its expiry (stale-while-revalidate, stale-if-error, a request's `max-stale`). */
  stale: boolean
  /** Milliseconds from the dispatch to the answer. */
  duration: number
}

/** A request the cache took part in but could not answer: it went to the origin (or waited for an identical one). */
export interface MissMessage {
  key: string
  url: string
  method: string
  /** Why, as in `Cache-Status`'s `fwd`: `uri-miss`, `vary-miss`, `stale`, `request`, `miss`. */
  reason: string
  /** Milliseconds spent looking it up. */
  duration: number
}

/** A response written to the store. */
export interface StoreMessage {
  key: string
  url: string
  method: string
  status: number
  /** Bytes as stored. */
  size: number
  /** When it stops being fresh (epoch ms), or null for never. */
  expiresAt: number | null
  /** Milliseconds the write took. */
  duration: number
}

/** A stale entry checked with the origin by a conditional request. */
export interface RevalidateMessage {
  key: string
  url: string
  method: string
  /** The origin's answer: 304 (the entry is still good) or a new response. */
  status: number
  /** Milliseconds from the dispatch to the origin's answer. */
  duration: number
}

/** A store operation that failed (or took longer than the backend's `timeout`); the request itself went on. */
export interface ErrorMessage {
  /** `'open'`, `'read'`, `'write'`, `'delete'`. */
  operation: string
  /** The key, for an operation on one entry. */
  key: string | undefined
  error: unknown
}

export const CHANNEL_NAMES = {
  hit: 'undici-client-cache:hit',
  miss: 'undici-client-cache:miss',
  store: 'undici-client-cache:store',
  revalidate: 'undici-client-cache:revalidate',
  error: 'undici-client-cache:error'
} as const

const channels = {
  hit: channel(CHANNEL_NAMES.hit),
  miss: channel(CHANNEL_NAMES.miss),
  store: channel(CHANNEL_NAMES.store),
  revalidate: channel(CHANNEL_NAMES.revalidate),
  error: channel(CHANNEL_NAMES.error)
}

/** What a backend counts, in this process, since it was made. */
export interface Counters {
  hits: number
  misses: number
  stored: number
  errors: number
}

export function newCounters (): Counters {
  return { hits: 0, misses: 0, stored: 0, errors: 0 }
}

/** Whether anyone reads what is reported (a subscriber, or the debug log); if not, messages need not be built. */
export function observed (): boolean {
  return debug.enabled || channels.hit.hasSubscribers || channels.miss.hasSubscribers || channels.store.hasSubscribers ||
    channels.revalidate.hasSubscribers || channels.error.hasSubscribers
}

/** A message is built only when its channel has subscribers or the debug log is on. */
function report<T> (name: keyof typeof channels, build: () => T, log: (message: T) => void): void {
  const target = channels[name]
  if (!target.hasSubscribers && !debug.enabled) return
  const message = build()
  target.publish(message)
  if (debug.enabled) log(message)
}

/** (On the hit path: takes the entry itself, so that a hit nobody listens to allocates nothing.) */
export function reportHit (counters: Counters, key: string, entry: CacheEntry, method: string, started: number): void {
  counters.hits++
  if (!channels.hit.hasSubscribers && !debug.enabled) return
  const now = Date.now()
  report('hit', () => ({ key, url: entry.url, method, status: entry.status, stale: isExpired(entry, now), duration: performance.now() - started }),
    (m) => debug('hit %s %s (%s, %d ms)', m.method, m.url, m.stale ? 'stale' : 'fresh', m.duration))
}

export function reportMiss (counters: Counters, build: () => MissMessage): void {
  counters.misses++
  report('miss', build, (m) => debug('miss %s %s (%s)', m.method, m.url, m.reason))
}

export function reportStore (counters: Counters, build: () => StoreMessage): void {
  counters.stored++
  report('store', build, (m) => debug('stored %s %s: %d bytes, %s', m.method, m.url, m.size, m.expiresAt === null ? 'no expiry' : `expires ${new Date(m.expiresAt).toISOString()}`))
}

export function reportRevalidate (build: () => RevalidateMessage): void {
  report('revalidate', build, (m) => debug('revalidated %s %s: %d', m.method, m.url, m.status))
}

export function reportError (counters: Counters, operation: string, key: string | undefined, error: unknown): void {
  counters.errors++
  report('error', () => ({ operation, key, error }), (m) => debug('%s%s failed: %s', m.operation, m.key === undefined ? '' : ` of ${m.key}`, m.error))
}
