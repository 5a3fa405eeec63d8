/**
 * cacheInterceptor(): the flow of one request. Decide whether the cache takes part, key the request, look it up,
 * answer a fresh hit without the network, or forward it with a recording handler that stores a complete response.
 */
import type { Dispatcher } from 'undici'
import type { CacheBackend } from './backends/base.js'
import { formatCacheStatus, type ForwardReason } from './cache-status.js'
import { parseVary } from './cache-control.js'
import type { CacheEntry } from './entry.js'
import { DO_NOT_CACHE, type ExpireAfter } from './expiry.js'
import type { Dispatch, DispatchHandler, DispatchOptions, ResponseHeaders } from './handler.js'
import { firstValue, storableHeaders, toHeaderRecord, toRecord, type HeaderRecord } from './headers.js'
import { debug } from './log.js'
import { resolveOptions, resolveRequestOptions, type CacheOptions, type CachedResponse, type RequestCacheOptions, type Settings } from './options.js'
import { ageSeconds, decideStorage, isConditional, isFresh, requestDirectives, ttlSeconds, type RequestDirectives } from './policy.js'
import { RecordingHandler, type RecordedResponse, type ResponseDecision } from './record.js'
import { entryResponse, failRequest, preparedHeaders, replay, syntheticResponse } from './replay.js'
import { readRequestBody, requestUrl } from './request.js'

/** An undici compose interceptor that also exposes the backend it stores responses in. */
export type CacheInterceptor = Dispatcher.DispatcherComposeInterceptor & { readonly cache: CacheBackend }

/** Everything known about one request once it has been decided that the cache takes part. */
interface CacheableRequest {
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
}

/** A request the cache does not read or write: forwarded with its Cache-Status only. */
function forwardUncached (dispatch: Dispatch, options: DispatchOptions, handler: DispatchHandler, fwd: ForwardReason, detail?: string): boolean {
  const cacheStatus = formatCacheStatus({ hit: false, fwd, detail })
  return dispatch(options, new RecordingHandler(handler, { decide: () => ({ cacheStatus, recordUpTo: undefined }) }))
}

function asCachedResponse (entry: CacheEntry): CachedResponse {
  return {
    url: entry.url,
    method: entry.method,
    status: entry.status,
    statusText: entry.statusText,
    headers: toRecord(entry.headers),
    body: entry.body,
    createdAt: new Date(entry.createdAt),
    expiresAt: entry.expiresAt === null ? null : new Date(entry.expiresAt)
  }
}

/** Runs the user's filter; a filter that throws counts as a veto (and is logged), never as a failed request. */
async function passesFilter (settings: Settings, entry: CacheEntry): Promise<boolean> {
  if (!settings.filter) return true
  try {
    return Boolean(await settings.filter(asCachedResponse(entry)))
  } catch (error) {
    debug('filter threw for %s: %s', entry.url, error)
    return false
  }
}

/** The request headers an entry is matched on: those the key includes and those the response's Vary names. */
function matchedRequestHeaders (settings: Settings, request: CacheableRequest, vary: string[]): Record<string, string | null> {
  const matched: Record<string, string | null> = {}
  for (const name of [...settings.keys.includedHeaderNames(request.headers), ...vary]) {
    matched[name] = settings.keys.matchValue(name, request.headers)
  }
  return matched
}

/** Whether the request carries the same values for the headers the entry's `Vary` names. */
function varyMatches (settings: Settings, entry: CacheEntry, headers: HeaderRecord): boolean {
  for (const name of preparedHeaders(entry).vary) {
    if (settings.keys.matchValue(name, headers) !== (entry.requestHeaders[name] ?? null)) return false
  }
  return true
}

/** The entry for a complete response; undefined when its body disagrees with its Content-Length. */
function entryOf (settings: Settings, request: CacheableRequest, response: RecordedResponse, decision: { expiresAt: number | null, createdAt: number }): CacheEntry | undefined {
  const contentLength = firstValue(response.headers['content-length'])
  const hasBody = request.method !== 'HEAD' && response.status !== 204 && response.status !== 304
  if (hasBody && contentLength !== undefined && Number(contentLength) !== response.body.length) {
    debug('not storing %s: body of %d bytes, Content-Length %s', request.url.href, response.body.length, contentLength)
    return undefined
  }
  return {
    status: response.status,
    statusText: response.statusText,
    headers: storableHeaders(response.headers),
    body: response.body,
    url: settings.keys.normalizeUrl(request.url, true),
    method: request.method,
    createdAt: decision.createdAt,
    expiresAt: decision.expiresAt,
    requestHeaders: matchedRequestHeaders(settings, request, parseVary(response.headers.vary))
  }
}

async function filtered (settings: Settings, entry: CacheEntry): Promise<CacheEntry | undefined> {
  return (await passesFilter(settings, entry)) ? entry : undefined
}

/** Forwards a request to the origin, labelling the response and recording it for storage when it may be stored. */
function forward (settings: Settings, request: CacheableRequest, key: string, fwd: ForwardReason, options: DispatchOptions): void {
  let storeAs: { expiresAt: number | null, createdAt: number } | undefined
  const decide = (status: number, headers: ResponseHeaders): ResponseDecision => {
    const now = Date.now()
    const decision = decideStorage({
      status,
      headers,
      request: request.directives,
      settingsExpiry: request.settingsExpiry,
      cacheControl: settings.cacheControl,
      allowedCodes: settings.allowedCodes,
      now
    })
    if (!decision.store) return { cacheStatus: formatCacheStatus({ hit: false, fwd, detail: decision.reason }), recordUpTo: undefined }
    if (Number(firstValue(headers['content-length']) ?? 0) > settings.maxBodySize) {
      return { cacheStatus: formatCacheStatus({ hit: false, fwd, detail: 'too-large' }), recordUpTo: undefined }
    }
    storeAs = decision
    return { cacheStatus: formatCacheStatus({ hit: false, fwd, stored: true, ttl: ttlSeconds(decision.expiresAt, now) }), recordUpTo: settings.maxBodySize }
  }
  const complete = (response: RecordedResponse): void => {
    const entry = storeAs && entryOf(settings, request, response, storeAs)
    // Registered at once (the write itself runs in the background), so the next read of this key waits for it.
    if (entry) void settings.backend.set(key, settings.filter ? filtered(settings, entry) : entry)
  }
  try {
    request.dispatch(options, new RecordingHandler(request.handler, { decide, complete }))
  } catch (error) {
    failRequest(request.handler, error as Error)
  }
}

/** What the stored entry, if any, means for a request: a fresh entry to answer with, or why to go to the origin. */
type Lookup = { fresh: CacheEntry, now: number } | { fwd: ForwardReason }

async function lookUp (settings: Settings, request: CacheableRequest, key: string, refresh: boolean): Promise<Lookup> {
  const entry = await settings.backend.get(key)
  const now = Date.now()
  if (entry === undefined) return { fwd: refresh ? 'request' : 'uri-miss' }
  // (The filter is awaited only when there is one: no extra turn of the event loop on a plain hit.)
  if (!settings.allowedCodes.has(entry.status) || (settings.filter !== undefined && !(await passesFilter(settings, entry)))) {
    // The entry was stored under settings that now reject it: drop it, and go to the origin.
    settings.backend.delete(key).catch((error: unknown) => debug('deleting %s failed: %s', key, error))
    return { fwd: 'miss' }
  }
  if (!varyMatches(settings, entry, request.headers)) return { fwd: 'vary-miss' }
  if (isFresh(entry, request.directives, now)) return { fresh: entry, now }
  return { fwd: refresh ? 'request' : 'stale' }
}

/** Looks the request up and answers it: a fresh hit from the cache, an only-if-cached miss with a 504, else the origin. */
async function answer (settings: Settings, request: CacheableRequest): Promise<void> {
  const body = await readRequestBody(request.options.body)
  if (body.kind === 'unsupported') {
    forwardUncached(request.dispatch, request.options, request.handler, 'bypass', 'body')
    return
  }
  const options = body.forward === request.options.body ? request.options : { ...request.options, body: body.forward }
  let key: string
  try {
    key = settings.keys.keyOf({ method: request.method, url: request.url.href, headers: request.headers, body: body.bytes }, request.url)
  } catch (error) {
    debug('keyFn threw for %s: %s', request.url.href, error)
    forwardUncached(request.dispatch, options, request.handler, 'bypass', 'key')
    return
  }
  const { perRequest, directives } = request
  const onlyIfCached = perRequest.onlyIfCached === true || directives.onlyIfCached
  const refresh = perRequest.refresh === true || perRequest.forceRefresh === true || directives.noCache
  // only-if-cached outranks a refresh: it may never go to the origin.
  const found: Lookup = refresh && !onlyIfCached ? { fwd: 'request' } : await lookUp(settings, request, key, refresh)
  if ('fresh' in found) {
    const { fresh, now } = found
    replay(request.handler, entryResponse(fresh, ageSeconds(fresh.createdAt, now), formatCacheStatus({ hit: true, ttl: ttlSeconds(fresh.expiresAt, now) })))
  } else if (onlyIfCached) {
    replay(request.handler, syntheticResponse(504, 'Gateway Timeout', formatCacheStatus({ hit: false, detail: 'only-if-cached' })))
  } else {
    forward(settings, request, key, found.fwd, options)
  }
}

/** Decides, without I/O, whether the cache takes part in a request; returns false when it is forwarded as is. */
function dispatchWithCache (settings: Settings, dispatch: Dispatch, interceptorOrigin: unknown, options: DispatchOptions, handler: DispatchHandler): boolean {
  const perRequest = resolveRequestOptions(options.cache)
  const url = requestUrl(options, interceptorOrigin)
  // No origin (a Client or Pool on undici 7) or an upgrade (WebSocket, CONNECT): not a cacheable exchange.
  if (url === undefined || options.upgrade) return dispatch(options, handler)
  if (perRequest === false) return forwardUncached(dispatch, options, handler, 'bypass')
  const method = options.method.toUpperCase()
  if (!settings.allowedMethods.has(method)) return forwardUncached(dispatch, options, handler, 'method')
  const headers = toHeaderRecord(options.headers)
  const directives = requestDirectives(headers)
  if (directives.noStore) return forwardUncached(dispatch, options, handler, 'request', 'no-store')
  if (isConditional(headers)) return forwardUncached(dispatch, options, handler, 'request', 'conditional')
  const settingsExpiry = perRequest.expireAfter ?? settings.urlPatterns.match(url.href) ?? settings.expireAfter
  if (settingsExpiry === DO_NOT_CACHE) return forwardUncached(dispatch, options, handler, 'bypass', 'do-not-cache')

  const request: CacheableRequest = { options, handler, dispatch, method, url, headers, directives, perRequest, settingsExpiry }
  answer(settings, request).catch((error: unknown) => failRequest(handler, error as Error))
  return true
}

/**
 * Creates the cache interceptor, for `new Agent().compose(cacheInterceptor(options))` or any dispatcher's `compose`.
 * Options are validated here: a wrong value throws a TypeError naming the option and the value.
 */
export function cacheInterceptor (options?: CacheOptions): CacheInterceptor {
  const settings = resolveOptions(options)
  settings.backend.keyBuilder = settings.keys
  const interceptor = (dispatch: Dispatcher.Dispatch, interceptorOrigin?: unknown): Dispatcher.Dispatch => {
    // Exactly two parameters: undici's compose checks the returned function's length.
    return function cachedDispatch (options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
      return dispatchWithCache(settings, dispatch as unknown as Dispatch, interceptorOrigin, options as unknown as DispatchOptions, handler as DispatchHandler)
    }
  }
  return Object.assign(interceptor, { cache: settings.backend })
}
