/** Reading back what an interceptor wrote to its backend, keyed by the same rules as the interceptor keys requests. */
import type { CacheBackend, CacheEntry, CacheOptions } from 'undici-client-cache'
import { KeyBuilder } from '#lib/key.js'
import { isVariantIndex, readIndex, variantKey } from '#lib/variants.js'

/** A request as it was sent: its method (default GET) and headers (lower-cased names). */
export interface SentRequest {
  method?: string
  headers?: Record<string, string>
}

function keysOf (options: CacheOptions): KeyBuilder {
  return new KeyBuilder({ ignoredParams: options.ignoredParams ?? [], includeHeaders: options.includeHeaders ?? false, keyFn: options.keyFn })
}

function keyOf (keys: KeyBuilder, url: string, request: SentRequest): string {
  return keys.keyOf({ method: request.method ?? 'GET', url, headers: request.headers ?? {}, body: undefined }, new URL(url))
}

/**
 * What the backend holds under the key of a request, as an interceptor with `options` keys it: a response, the index
 * of a URL's variants, or the alias of a redirect chain's URL; undefined when nothing.
 */
export async function storedAt (cache: CacheBackend, options: CacheOptions, url: string, request: SentRequest = {}): Promise<CacheEntry | undefined> {
  return cache.get(keyOf(keysOf(options), url, request))
}

/** The response stored for a request: the entry under its key, or, under a variant index, the variant its headers select. */
export async function storedResponse (cache: CacheBackend, options: CacheOptions, url: string, request: SentRequest = {}): Promise<CacheEntry | undefined> {
  const keys = keysOf(options)
  const key = keyOf(keys, url, request)
  const entry = await cache.get(key)
  if (entry === undefined || !isVariantIndex(entry)) return entry
  return cache.get(variantKey(key, readIndex(entry), keys, request.headers ?? {}))
}
