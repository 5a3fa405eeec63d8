/** The entry a response is stored as: built from a complete response or from a 304's update, and vetted by `filter`. */
import { aliasEntry } from './aliases.js'
import { parseCacheControl, parseVary } from './cache-control.js'
import type { CacheEntry } from './entry.js'
import type { CacheableRequest, Slot } from './exchange.js'
import type { ResponseHeaders } from './handler.js'
import { firstValue, storableHeaders, toRecord, type HeaderPairs, type HeaderRecord } from './headers.js'
import { debug } from './log.js'
import type { CachedResponse, Settings } from './options.js'
import { decideStorage, type StoreDecision } from './policy.js'
import type { RecordedResponse } from './record.js'
import { preparedHeaders } from './replay.js'
import { mergeNotModified } from './revalidation.js'
import { indexEntry, indexFor, isVariantIndex, readIndex, variantKey, type VariantIndex } from './variants.js'
import { mayStore } from './writes.js'

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
export async function passesFilter (settings: Settings, entry: CacheEntry): Promise<boolean> {
  if (!settings.filter) return true
  try {
    return Boolean(await settings.filter(asCachedResponse(entry)))
  } catch (error) {
    debug('filter threw for %s: %s', entry.url, error)
    return false
  }
}

/**
 * Stores an entry in the background, once the filter (if any) has passed it: under the slot's key, or, for a response
 * with `Vary`, as a variant, with the URL's key holding the index of its variants. Returns the entry, or a promise of
 * it (undefined when the filter rejects it). Called only after a decision to store ({@link storageDecision}).
 */
export function store (settings: Settings, slot: Pick<Slot, 'key' | 'index'>, entry: CacheEntry, requestHeaders: HeaderRecord): CacheEntry | Promise<CacheEntry | undefined> {
  const vetted = settings.filter ? passesFilter(settings, entry) : undefined
  // Registered at once (the writes themselves run in the background), so the next read of a key waits for its write.
  const write = (key: string, value: CacheEntry | Promise<CacheEntry>): Promise<void> =>
    settings.backend.set(key, vetted === undefined ? value : vetted.then(async (ok) => ok ? value : undefined))
  // (Read from the pairs: preparing the headers for a replay is left to the first hit.)
  const vary = parseVary(entry.headers.filter(([name]) => name === 'vary').map(([, value]) => value))
  let written: Promise<unknown>
  if (vary.length === 0) {
    written = write(slot.key, entry)
  } else {
    const index = variantIndexFor(settings, slot, vary)
    // The variant's key is known once the index is: its write is registered before the index's completes, so a
    // reader that waited for the index finds the variant's write pending.
    const variantWritten = index.then((known) => write(variantKey(slot.key, known, settings.keys, requestHeaders), entry))
    written = Promise.all([variantWritten, write(slot.key, index.then((known) => indexEntry(entry, known)))])
  }
  // With a filter: its verdict, or nothing once the write has given up on a filter that never decides.
  return vetted === undefined ? entry : Promise.race([vetted.then((ok) => ok ? entry : undefined), written.then(() => undefined)])
}

/**
 * The index a response varying on `vary` is stored under: the one the lookup found, or else the one stored by now (a
 * concurrent request for another variant may have written it since), so that neither variant orphans the other.
 */
async function variantIndexFor (settings: Settings, slot: Pick<Slot, 'key' | 'index'>, vary: string[]): Promise<VariantIndex> {
  if (slot.index !== undefined) return indexFor(vary, slot.index)
  const stored = await settings.backend.get(slot.key)
  return indexFor(vary, stored !== undefined && isVariantIndex(stored) ? readIndex(stored) : undefined)
}

/** Aliases of the entry stored under `target` for the other same-origin URLs of the redirect chain it came through. */
export function storeAliases (settings: Settings, request: CacheableRequest, target: string, entry: CacheEntry, chain: URL[]): void {
  for (const url of chain.slice(1)) {
    if (url.origin !== request.url.origin || url.href === request.url.href) continue
    let key: string
    try {
      key = settings.keys.keyOf({ method: request.method, url: url.href, headers: request.headers, body: undefined }, url)
    } catch (error) {
      debug('keyFn threw for %s: %s', settings.keys.normalizeUrl(url, true), error)
      continue
    }
    void settings.backend.set(key, aliasEntry(settings.keys.normalizeUrl(url, true), target, entry))
  }
}

/** The request headers an entry is matched on: those the key includes and those the response's Vary names. */
function matchedRequestHeaders (settings: Settings, request: CacheableRequest, vary: string[]): Record<string, string | null> {
  const matched: Record<string, string | null> = {}
  for (const name of settings.keys.includedHeaderNames(request.headers)) {
    matched[name] = settings.keys.matchValue(name, request.headers)
  }
  for (const name of vary) matched[name] = settings.keys.varyValue(name, request.headers)
  return matched
}

/** Whether the request carries the same values for the headers the entry's `Vary` names. */
export function varyMatches (settings: Settings, entry: CacheEntry, headers: HeaderRecord): boolean {
  for (const name of preparedHeaders(entry).vary) {
    if (settings.keys.varyValue(name, headers) !== (entry.requestHeaders[name] ?? null)) return false
  }
  return true
}

/** The response headers as stored: hop-by-hop headers and those a qualified `no-cache="…"` names left out. */
function headersToStore (headers: ResponseHeaders): HeaderPairs {
  const noCache = parseCacheControl(headers['cache-control']).get('no-cache')
  const pairs = storableHeaders(headers)
  if (typeof noCache !== 'string') return pairs
  const withheld = new Set(noCache.split(',').map((name) => name.trim().toLowerCase()))
  return pairs.filter(([name]) => !withheld.has(name))
}

/** The entry for a complete response; undefined when its body disagrees with its Content-Length. */
export function entryOf (settings: Settings, request: CacheableRequest, response: RecordedResponse, decision: { expiresAt: number | null, createdAt: number }): CacheEntry | undefined {
  const contentLength = firstValue(response.headers['content-length'])
  const hasBody = request.method !== 'HEAD' && response.status !== 204 && response.status !== 304
  if (hasBody && contentLength !== undefined && Number(contentLength) !== response.body.length) {
    debug('not storing %s: body of %d bytes, Content-Length %s', settings.keys.normalizeUrl(request.url, true), response.body.length, contentLength)
    return undefined
  }
  return {
    status: response.status,
    statusText: response.statusText,
    headers: headersToStore(response.headers),
    body: response.body,
    url: settings.keys.normalizeUrl(request.url, true),
    method: request.method,
    createdAt: decision.createdAt,
    expiresAt: decision.expiresAt,
    requestHeaders: matchedRequestHeaders(settings, request, parseVary(response.headers.vary))
  }
}

/** Whether (and until when) the interceptor's settings allow a response to be stored for this request. */
function allowedStorage (settings: Settings, request: CacheableRequest, status: number, headers: ResponseHeaders, now: number): StoreDecision {
  return decideStorage({
    status,
    headers,
    request: request.directives,
    settingsExpiry: request.settingsExpiry,
    cacheControl: settings.cacheControl,
    allowedCodes: settings.allowedCodes,
    now
  })
}

/** Whether (and until when) a response is stored for this request: when the settings allow it and the cache is not read-only. */
export function storageDecision (settings: Settings, request: CacheableRequest, status: number, headers: ResponseHeaders, now: number): StoreDecision {
  return mayStore(settings, allowedStorage(settings, request, status, headers, now))
}

/**
 * A stored entry after a 304 (RFC 9111 §4.3.4): its headers updated by the 304's, its expiry worked out again from
 * them (a 304's `max-age` freshens it), also when the cache is read-only. The decision says whether the updated
 * entry is stored.
 */
export function refreshedEntry (settings: Settings, request: CacheableRequest, stale: CacheEntry, notModified: ResponseHeaders, now: number): { entry: CacheEntry, decision: StoreDecision } {
  const headers = mergeNotModified(stale.headers, notModified)
  const allowed = allowedStorage(settings, request, stale.status, toRecord(headers), now)
  const times = allowed.store ? { createdAt: allowed.createdAt, expiresAt: allowed.expiresAt } : { createdAt: now, expiresAt: now }
  return { entry: { ...stale, headers, ...times }, decision: mayStore(settings, allowed) }
}
