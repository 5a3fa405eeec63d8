/**
 * Invalidation after an unsafe request (RFC 9111 §4.4): a successful POST, PUT, PATCH or DELETE makes what is stored
 * for its URL, and for the same-origin URLs its `Location` and `Content-Location` name, stale: they are deleted.
 */
import type { CacheableRequest } from './exchange.js'
import type { ResponseHeaders } from './handler.js'
import { firstValue, type HeaderRecord } from './headers.js'
import { reportError } from './events.js'
import { debug } from './log.js'
import type { Settings } from './options.js'

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

function isUnsafe (method: string): boolean {
  return !SAFE_METHODS.has(method)
}

/** The URLs a response to an unsafe request invalidates: the request's, and same-origin Location / Content-Location. */
function invalidatedUrls (url: URL, status: number, headers: ResponseHeaders): URL[] {
  if (status < 200 || status >= 400) return []
  const urls = [url]
  for (const name of ['location', 'content-location']) {
    const value = firstValue(headers[name])
    if (value === undefined) continue
    try {
      const target = new URL(value, url)
      if (target.origin === url.origin) urls.push(target)
    } catch {
      debug('ignoring the unparsable %s %s', name, value)
    }
  }
  return urls
}

/** Deletes the GET and HEAD entries of `urls`, keyed with the request's headers (as a later GET of them would be). */
function invalidate (settings: Settings, headers: HeaderRecord, urls: URL[]): void {
  for (const url of urls) {
    for (const method of ['GET', 'HEAD']) {
      let key: string
      try {
        key = settings.keys.keyOf({ method, url: url.href, headers, body: undefined }, url)
      } catch (error) {
        debug('keyFn threw while invalidating %s: %s', url.href, error)
        continue
      }
      settings.backend.delete(key).catch((error: unknown) => reportError(settings.backend.counters, 'delete', key, error))
    }
  }
}

/** After an unsafe request's response: invalidates what it changed. */
export function invalidateAfter (settings: Settings, request: Pick<CacheableRequest, 'method' | 'url' | 'headers'>, status: number, headers: ResponseHeaders): void {
  if (isUnsafe(request.method)) invalidate(settings, request.headers, invalidatedUrls(request.url, status, headers))
}
