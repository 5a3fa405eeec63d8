/** Revalidating a stored entry (RFC 9111 §4.3): the conditional request's validators, and a 304's update of the entry. */
import type { CacheEntry } from './entry.js'
import type { ResponseHeaders } from './handler.js'
import { firstValue, storableHeaders, type HeaderPairs } from './headers.js'
import { preparedHeaders } from './replay.js'

/** `If-None-Match` from the entry's ETag and `If-Modified-Since` from its Last-Modified; undefined without either. */
export function validatorsOf (entry: CacheEntry): Record<string, string> | undefined {
  const { headers } = preparedHeaders(entry)
  const etag = firstValue(headers.etag)
  const lastModified = firstValue(headers['last-modified'])
  if (etag === undefined && lastModified === undefined) return undefined
  const validators: Record<string, string> = {}
  if (etag !== undefined) validators['if-none-match'] = etag
  if (lastModified !== undefined) validators['if-modified-since'] = lastModified
  return validators
}

/** Headers a 304 may not change in the stored response: they describe its body, which the 304 does not carry. */
const BODY_HEADERS = new Set(['content-length', 'content-encoding', 'content-range', 'transfer-encoding'])

/** The stored headers updated by a 304's: each header the 304 carries replaces the stored values of that name. */
export function mergeNotModified (stored: Readonly<HeaderPairs>, update: ResponseHeaders): HeaderPairs {
  const fresh = storableHeaders(update).filter(([name]) => !BODY_HEADERS.has(name) && name !== 'cache-status')
  const replaced = new Set(fresh.map(([name]) => name))
  return [...stored.filter(([name]) => !replaced.has(name)), ...fresh]
}
