/** One request the cache takes part in, as the interceptor's steps share it. */
import type { ExpireAfter } from './expiry.js'
import type { Dispatch, DispatchHandler, DispatchOptions } from './handler.js'
import type { HeaderRecord } from './headers.js'
import type { RequestCacheOptions } from './options.js'
import type { RequestDirectives } from './policy.js'
import type { VariantIndex } from './variants.js'

/** Everything known about one request once it has been decided that the cache takes part. */
export interface CacheableRequest {
  options: DispatchOptions
  handler: DispatchHandler
  dispatch: Dispatch
  method: string
  url: URL
  headers: HeaderRecord
  directives: RequestDirectives
  perRequest: RequestCacheOptions
  /** The expiry settings give this request (per request, URL pattern, session), resolved when the response arrives. */
  settingsExpiry: ExpireAfter
  /** When the request was dispatched (`performance.now()`), for the timings the cache reports. */
  started: number
}

/** Where a request's response is stored: the URL's key, the variant index found there (if any), and the entry's own key. */
export interface Slot {
  key: string
  index?: VariantIndex
  entryKey: string
}
