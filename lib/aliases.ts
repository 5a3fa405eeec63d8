/**
 * Redirects seen by the cache (when it sits outside undici's redirect interceptor): the final response is stored under
 * the original request's key, and every same-origin URL of the chain gets an alias, an entry naming that key, so a
 * request for any hop is answered without the network. An alias answers with whatever its target holds: once the
 * target is deleted, the alias is a miss.
 */
import type { CacheEntry } from './entry.js'
import type { ResponseHeaders } from './handler.js'
import { parseCacheControl, parseVary } from './cache-control.js'

/** An alias is stored as an entry with this status (no HTTP response has it), its `target` header naming the key. */
const ALIAS_STATUS = 1

export function isAlias (entry: CacheEntry): boolean {
  return entry.status === ALIAS_STATUS
}

export function aliasTarget (entry: CacheEntry): string | undefined {
  return entry.headers.find(([name]) => name === 'target')?.[1]
}

/** The alias of `url` for the entry stored under `target`. */
export function aliasEntry (url: string, target: string, entry: CacheEntry): CacheEntry {
  return {
    status: ALIAS_STATUS,
    statusText: 'alias',
    headers: [['target', target]],
    body: Buffer.alloc(0),
    url,
    method: entry.method,
    createdAt: entry.createdAt,
    expiresAt: entry.expiresAt,
    requestHeaders: {}
  }
}

/** A redirect hop as undici's redirect interceptor records it beside its history. */
interface Hop { statusCode: number, headers: ResponseHeaders }

/**
 * The hops of the redirect chain a response came through, from the `history` undici's redirect interceptor passes in
 * the request context (the visited URLs, the original first), and the per-hop status and headers it keeps on it.
 */
export function redirectChain (context: unknown): { urls: URL[], hops: Hop[] } | undefined {
  const history = (context as { history?: unknown } | undefined)?.history
  if (!Array.isArray(history) || history.length < 2 || !history.every((url) => url instanceof URL)) return undefined
  const hops = Object.getOwnPropertySymbols(history).map((symbol) => (history as unknown as Record<symbol, unknown>)[symbol]).find(Array.isArray) as Hop[] | undefined
  return { urls: history as URL[], hops: hops ?? [] }
}

/** Whether a hop forbids storing what it led to: its own `no-store`, or `Vary: *`. */
export function hopForbidsStorage (hop: Hop): boolean {
  return parseCacheControl(hop.headers['cache-control']).has('no-store') || parseVary(hop.headers.vary)[0] === '*'
}
