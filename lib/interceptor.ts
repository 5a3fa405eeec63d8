/**
 * cacheInterceptor(): the flow of one request. Decide whether the cache takes part, key the request, look it up,
 * answer a fresh hit without the network, or forward it with a recording handler that stores a complete response.
 */
import type { Dispatcher } from 'undici'
import type { CacheBackend } from './backends/base.js'
import { formatCacheStatus, type CacheStatus, type ForwardReason } from './cache-status.js'
import { isExpired, isResponse, type CacheEntry } from './entry.js'
import type { CacheableRequest, Slot } from './exchange.js'
import { DO_NOT_CACHE } from './expiry.js'
import { forward, forwardUncached } from './forward.js'
import type { Dispatch, DispatchHandler, DispatchOptions } from './handler.js'
import { toHeaderRecord } from './headers.js'
import { reportError, reportHit, reportMiss } from './events.js'
import { debug } from './log.js'
import { resolveOptions, resolveRequestOptions, type CacheOptions, type Settings } from './options.js'
import { acceptsStale, isConditional, isFresh, requestDirectives, withinStaleWindow } from './policy.js'
import { entryResponse, entryTimes, failRequest, FRESH_HIT, replay, syntheticResponse } from './replay.js'
import { readRequestBody, requestUrl } from './request.js'
import { passesFilter, varyMatches } from './stored-entry.js'
import { isVariantIndex, readIndex, variantKey } from './variants.js'

/** An undici compose interceptor that also exposes the backend it stores responses in. */
export type CacheInterceptor = Dispatcher.DispatcherComposeInterceptor & { readonly cache: CacheBackend }

/** What the stored entry, if any, means for a request: a fresh entry to answer with, a stale one, or none; and where it is. */
type Lookup = ({ fresh: CacheEntry } | { stale: CacheEntry, fwd: ForwardReason } | { fwd: ForwardReason }) & { slot: Slot }

async function lookUp (settings: Settings, request: CacheableRequest, key: string, revalidate: boolean): Promise<Lookup> {
  // (A URL of a redirect chain is answered with what the chain's first URL stored.)
  const resolved = await settings.backend.getResolved(key)
  let entry = resolved.entry
  let slot: Slot = { key: resolved.key, entryKey: resolved.key }
  if (entry === undefined) return { fwd: revalidate ? 'request' : 'uri-miss', slot }
  if (isVariantIndex(entry)) {
    // The URL has variants: read the one this request's headers select.
    const index = readIndex(entry)
    slot = { key: slot.key, index, entryKey: variantKey(slot.key, index, settings.keys, request.headers) }
    entry = await settings.backend.get(slot.entryKey)
    if (entry === undefined) return { fwd: 'vary-miss', slot }
  }
  // (The filter is awaited only when there is one: no extra turn of the event loop on a plain hit.)
  if (!settings.allowedCodes.has(entry.status) || (settings.filter !== undefined && !(await passesFilter(settings, entry)))) {
    // The entry was stored under settings that now reject it: drop it, and go to the origin.
    settings.backend.delete(slot.entryKey).catch((error: unknown) => reportError(settings.backend.counters, 'delete', slot.entryKey, error))
    return { fwd: 'miss', slot }
  }
  const fwd = whyNotFresh(settings, request, entry, revalidate)
  if (fwd === undefined) return { fresh: entry, slot }
  return fwd === 'vary-miss' ? { fwd, slot } : { stale: entry, fwd, slot }
}

/**
 * Why a stored response (one the settings still accept) cannot answer the request as it is: another variant, past its
 * expiry (stale), or fresh but the request asks for the origin (no-cache, max-age, refresh); undefined when it can.
 */
function whyNotFresh (settings: Settings, request: CacheableRequest, entry: CacheEntry, revalidate: boolean): ForwardReason | undefined {
  if (!varyMatches(settings, entry, request.headers)) return 'vary-miss'
  const now = Date.now()
  if (isFresh(entryTimes(entry), request.directives, now, revalidate)) return undefined
  return isExpired(entry, now) ? 'stale' : 'request'
}

/** A stored entry as the answer to a request (without its body for a HEAD), reported as a hit when it is one. */
function answerWith (settings: Settings, request: CacheableRequest, key: string, entry: CacheEntry, status: Omit<CacheStatus, 'ttl'> = FRESH_HIT): void {
  const response = entryResponse(entry, status)
  replay(request.handler, request.method === 'HEAD' && entry.method !== 'HEAD' ? { ...response, body: Buffer.alloc(0) } : response)
  if (status.hit) reportHit(settings.backend.counters, key, entry, request.method, request.started)
}

/**
 * The common hit, answered in the same turn, with no promise: a request without a body whose fresh response this
 * process holds in memory (a MemoryBackend, or a backend's memory layer). False when it needs the full flow.
 */
function answeredAtOnce (settings: Settings, request: CacheableRequest): boolean {
  const { options, perRequest } = request
  if (request.method === 'HEAD' || (options.body !== undefined && options.body !== null) || perRequest.refresh === true || perRequest.forceRefresh === true) return false
  let key: string
  try {
    key = settings.keys.keyOf({ method: request.method, url: request.url.href, headers: request.headers, body: undefined }, request.url)
  } catch {
    return false // (the full flow logs it and forwards the request)
  }
  const entry = settings.backend.peek(key)
  // (A filter may be asynchronous: an entry that must pass one takes the full flow.)
  if (entry === undefined || !isResponse(entry) || !settings.allowedCodes.has(entry.status) || settings.filter !== undefined) return false
  if (whyNotFresh(settings, request, entry, false) !== undefined) return false
  answerWith(settings, request, key, entry)
  return true
}

/** Refreshes a stale entry in the background, at most once at a time per key; nobody waits for it. */
function refreshInBackground (settings: Settings, request: CacheableRequest, slot: Slot, stale: CacheEntry, options: DispatchOptions): void {
  if (settings.refreshing.has(slot.entryKey)) return
  settings.refreshing.add(slot.entryKey)
  const done = (): void => { settings.refreshing.delete(slot.entryKey) }
  forward(settings, request, slot, 'stale', options, stale, { onResponseEnd: done, onResponseError: done })
}

/** Looks the request up and answers it: from the cache when it may, an only-if-cached miss with a 504, else the origin. */
async function answer (settings: Settings, request: CacheableRequest): Promise<void> {
  const body = await readRequestBody(request.options.body)
  if (body.kind === 'unsupported') {
    forwardUncached(settings, request, request.dispatch, request.options, request.handler, 'bypass', 'body')
    return
  }
  const options = body.forward === request.options.body ? request.options : { ...request.options, body: body.forward }
  const keyOf = (method: string): string => settings.keys.keyOf({ method, url: request.url.href, headers: request.headers, body: body.bytes }, request.url)
  let key: string
  try {
    key = keyOf(request.method)
  } catch (error) {
    debug('keyFn threw for %s: %s', request.url.href, error)
    forwardUncached(settings, request, request.dispatch, options, request.handler, 'bypass', 'key')
    return
  }
  const { perRequest, directives } = request
  const onlyIfCached = perRequest.onlyIfCached === true || directives.onlyIfCached
  // only-if-cached outranks a refresh: it may never go to the origin.
  const revalidate = perRequest.refresh === true && !onlyIfCached
  // A HEAD is answered from a fresh stored GET when there is one (a GET is never answered from a HEAD).
  if (request.method === 'HEAD' && settings.allowedMethods.has('GET') && perRequest.forceRefresh !== true) {
    const fromGet = await lookUp(settings, request, keyOf('GET'), revalidate)
    if ('fresh' in fromGet) return answerWith(settings, request, fromGet.slot.entryKey, fromGet.fresh)
  }
  // only-if-cached outranks a forced refresh: it may never go to the origin.
  const found: Lookup = perRequest.forceRefresh === true && !onlyIfCached ? { fwd: 'request', slot: { key, entryKey: key } } : await lookUp(settings, request, key, revalidate)
  const entryKey = found.slot.entryKey
  if ('fresh' in found) return answerWith(settings, request, entryKey, found.fresh)
  const now = Date.now()
  if ('stale' in found && !revalidate) {
    const times = entryTimes(found.stale)
    if (acceptsStale(times, directives, now)) return answerWith(settings, request, entryKey, found.stale)
    if (!onlyIfCached && withinStaleWindow(times, 'stale-while-revalidate', settings.staleWhileRevalidate, undefined, now)) {
      answerWith(settings, request, entryKey, found.stale, { hit: true, fwd: 'stale', detail: 'stale-while-revalidate' })
      return refreshInBackground(settings, request, found.slot, found.stale, options)
    }
  }
  reportMiss(settings.backend.counters, () => ({ key: entryKey, url: settings.keys.normalizeUrl(request.url, true), method: request.method, reason: found.fwd, duration: performance.now() - request.started }))
  if (onlyIfCached) return replay(request.handler, syntheticResponse(504, 'Gateway Timeout', formatCacheStatus({ hit: false, detail: 'only-if-cached' })))
  const stale = 'stale' in found ? found.stale : undefined
  const { inFlight } = settings
  if (inFlight === undefined || revalidate || perRequest.forceRefresh === true) return forward(settings, request, found.slot, found.fwd, options, stale)
  // An identical request already at the origin: wait for what it stores, rather than asking the origin again.
  const leader = inFlight.waitFor(found.slot.entryKey)
  if (leader === undefined) return forward(settings, request, found.slot, found.fwd, options, stale, request.handler, inFlight.lead(found.slot.entryKey))
  const shared = await leader
  if (shared !== undefined && varyMatches(settings, shared, request.headers)) return answerWith(settings, request, entryKey, shared, { hit: false, fwd: found.fwd, collapsed: true })
  // It stored nothing (an error, a response that may not be stored) or another variant: this request goes itself.
  forward(settings, request, found.slot, found.fwd, options, stale)
}

/** Decides, without I/O, whether the cache takes part in a request; returns false when it is forwarded as is. */
function dispatchWithCache (settings: Settings, dispatch: Dispatch, interceptorOrigin: unknown, options: DispatchOptions, handler: DispatchHandler): boolean {
  const started = performance.now()
  const perRequest = resolveRequestOptions(options.cache)
  const url = requestUrl(options, interceptorOrigin)
  // No origin (a Client or Pool on undici 7) or an upgrade (WebSocket, CONNECT): not a cacheable exchange.
  if (url === undefined || options.upgrade) return dispatch(options, handler)
  const method = options.method.toUpperCase()
  const headers = toHeaderRecord(options.headers)
  const uncached = (fwd: ForwardReason, detail?: string): boolean => forwardUncached(settings, { method, url, headers }, dispatch, options, handler, fwd, detail)
  if (perRequest === false) return uncached('bypass')
  if (!settings.allowedMethods.has(method)) return uncached('method')
  const directives = requestDirectives(headers)
  if (directives.noStore) return uncached('request', 'no-store')
  if (isConditional(headers)) return uncached('request', 'conditional')
  const settingsExpiry = perRequest.expireAfter ?? settings.urlPatterns.match(url.href) ?? settings.expireAfter
  if (settingsExpiry === DO_NOT_CACHE) return uncached('bypass', 'do-not-cache')

  const request: CacheableRequest = { options, handler, dispatch, method, url, headers, directives, perRequest, settingsExpiry, started }
  if (answeredAtOnce(settings, request)) return true
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
