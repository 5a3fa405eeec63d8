/**
 * Forwarding a request to the origin: labelled with its Cache-Status, recorded for storage when it may be stored,
 * made conditional when a stale entry can be revalidated, and answered from that entry on a 304 or (within a
 * stale-if-error window) on a failure.
 */
import { formatCacheStatus, type ForwardReason } from './cache-status.js'
import { hopForbidsStorage, redirectChain } from './aliases.js'
import type { Settle } from './coalesce.js'
import type { CacheEntry } from './entry.js'
import type { CacheableRequest, Slot } from './exchange.js'
import type { Dispatch, DispatchHandler, DispatchOptions, ResponseHeaders } from './handler.js'
import { firstValue } from './headers.js'
import { reportError, reportRevalidate } from './events.js'
import { invalidateAfter } from './invalidation.js'
import { debug } from './log.js'
import type { Settings } from './options.js'
import { ttlSeconds, withinStaleWindow, type StoreDecision } from './policy.js'
import { RecordingHandler, type RecordedResponse, type ResponseDecision } from './record.js'
import { entryResponse, entryTimes, failRequest, replay, type Replayable } from './replay.js'
import { validatorsOf } from './revalidation.js'
import { entryOf, refreshedEntry, storageDecision, store, storeAliases } from './stored-entry.js'

/** A request the cache does not read or write: forwarded with its Cache-Status only (and invalidating, if unsafe). */
export function forwardUncached (settings: Settings, request: Pick<CacheableRequest, 'method' | 'url' | 'headers'>, dispatch: Dispatch, options: DispatchOptions, handler: DispatchHandler, fwd: ForwardReason, detail?: string): boolean {
  const cacheStatus = formatCacheStatus({ hit: false, fwd, detail })
  return dispatch(options, new RecordingHandler(handler, {
    decide: (status, headers) => {
      invalidateAfter(settings, request, status, headers)
      return { cacheStatus, recordUpTo: undefined }
    }
  }))
}

/**
 * Forwards a request. With a `stale` entry, the request carries its validators (unless `unconditional`), a 304
 * answers the caller with the entry refreshed by it, and a 5xx or a failure answers with the entry itself while
 * a stale-if-error window allows.
 */
export function forward (settings: Settings, request: CacheableRequest, slot: Slot, fwd: ForwardReason, options: DispatchOptions, stale?: CacheEntry, handler: DispatchHandler = request.handler, settle: Settle = () => {}): void {
  // (Only a GET or HEAD is made conditional: on other methods a matching If-None-Match means 412, not 304.)
  const validators = stale && (request.method === 'GET' || request.method === 'HEAD') ? validatorsOf(stale) : undefined
  const sent = validators === undefined ? options : { ...options, headers: { ...request.headers, ...validators } }
  const staleIfError = (): boolean => stale !== undefined &&
    withinStaleWindow(entryTimes(stale), 'stale-if-error', settings.staleIfError, request.directives.staleIfError, Date.now())
  let storeAs: { expiresAt: number | null, createdAt: number } | undefined

  const decide = (status: number, headers: ResponseHeaders, context: unknown): ResponseDecision => {
    invalidateAfter(settings, request, status, headers)
    if (validators !== undefined) {
      reportRevalidate(() => ({ key: slot.entryKey, url: stale!.url, method: request.method, status, duration: performance.now() - request.started }))
    }
    // (Only a 304 to validators this cache sent: a caller's own conditional request never reaches here.)
    if ((status === 304 && validators !== undefined) || (status >= 500 && staleIfError())) return { instead: true }
    // (fwd-status tells the outcome of a revalidation.)
    const fwdStatus = validators === undefined ? undefined : status
    const now = Date.now()
    const chain = redirectChain(context)
    const decision: StoreDecision = chain?.hops.some(hopForbidsStorage) === true ? { store: false, reason: 'redirect' } : storageDecision(settings, request, status, headers, now)
    const tooLarge = decision.store && Number(firstValue(headers['content-length']) ?? 0) > settings.maxBodySize
    if (!decision.store || tooLarge) {
      // Nothing will be stored: whoever waits for this response goes to the origin itself.
      settle(undefined)
      return { cacheStatus: formatCacheStatus({ hit: false, fwd, fwdStatus, detail: decision.store ? 'too-large' : decision.reason }), recordUpTo: undefined }
    }
    storeAs = decision
    return { cacheStatus: formatCacheStatus({ hit: false, fwd, fwdStatus, stored: true, ttl: ttlSeconds(decision.expiresAt, now) }), recordUpTo: settings.maxBodySize }
  }

  const instead = (response: RecordedResponse): Replayable => {
    if (response.status !== 304) return entryResponse(stale!, { hit: true, fwd, fwdStatus: response.status, detail: 'stale-if-error' })
    const now = Date.now()
    const { entry, decision } = refreshedEntry(settings, request, stale!, response.headers, now)
    if (decision.store) settle(store(settings, slot, entry, request.headers))
    else settings.backend.delete(slot.entryKey).catch((error: unknown) => reportError(settings.backend.counters, 'delete', slot.entryKey, error))
    return entryResponse(entry, { hit: false, fwd, fwdStatus: 304, stored: decision.store }, now)
  }

  const rescue = (error: Error): Replayable | undefined => {
    if (!staleIfError()) return undefined
    debug('serving %s stale after an origin failure: %s', request.url.href, error)
    return entryResponse(stale!, { hit: true, fwd, detail: 'stale-if-error' })
  }

  const complete = (response: RecordedResponse): void => {
    const entry = storeAs && entryOf(settings, request, response, storeAs)
    if (!entry) return
    const stored = store(settings, slot, entry, request.headers)
    settle(stored)
    const chain = redirectChain(response.context)
    if (chain) void Promise.resolve(stored).then((kept) => { if (kept) storeAliases(settings, request, slot.key, kept, chain.urls) })
  }

  try {
    // (`finished` comes last: once the response has been stored, settling again changes nothing.)
    request.dispatch(sent, new RecordingHandler(handler, { decide, complete, instead, rescue, finished: () => settle(undefined) }))
  } catch (error) {
    settle(undefined)
    const rescued = rescue(error as Error)
    if (rescued) replay(handler, rescued)
    else failRequest(handler, error as Error)
  }
}
