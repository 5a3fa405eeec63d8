/** Answering a handler without the network: a cached entry, or a synthetic response, replayed through the controller API. */
import { parseCacheControl, parseVary, type Directives } from './cache-control.js'
import { formatCacheStatus, type CacheStatus } from './cache-status.js'
import type { CacheEntry } from './entry.js'
import type { DispatchController, DispatchHandler, ResponseHeaders } from './handler.js'
import { toRawHeaders, toRecord, type HeaderPairs } from './headers.js'
import { ageSeconds, ttlSeconds, type EntryTimes } from './policy.js'

/** A response ready to replay: headers prepared both as undici's object and as its raw Buffer pairs. */
export interface Replayable {
  status: number
  statusText: string
  headers: ResponseHeaders
  rawHeaders: Buffer[]
  body: Buffer
}

class AbortError extends Error {
  constructor () {
    super('This operation was aborted')
    this.name = 'AbortError'
  }
}

/**
 * The controller a replayed response runs under: pause/resume hold back the body, abort ends the replay. It also
 * drives the replay: each step runs when the previous one is done and the consumer is not holding it back.
 */
export class ReplayController implements DispatchController {
  rawHeaders: Buffer[] = []
  rawTrailers: Buffer[] = []
  #paused = false
  #reason: Error | null = null
  /** The replay that resuming (or aborting) continues. */
  #replay: Replay | undefined

  get aborted (): boolean { return this.#reason !== null }
  get paused (): boolean { return this.#paused }
  get reason (): Error | null { return this.#reason }

  abort (reason?: Error): void {
    this.#reason ??= reason ?? new AbortError()
    this.#replay?.run()
  }

  pause (): void { this.#paused = true }

  resume (): void {
    this.#paused = false
    this.#replay?.run()
  }

  /** Plays `replay` under this controller. */
  play (replay: Replay): void {
    this.#replay = replay
    replay.run()
  }
}

const REQUEST_START = 0
const RESPONSE_START = 1
const DATA = 2
const END = 3
const DONE = 4

/** A response being replayed to a handler, step by step: start, headers, the body in one chunk, end. */
class Replay {
  readonly #handler: DispatchHandler
  readonly #outer: DispatchController
  readonly #controller: ReplayController
  readonly #response: Replayable
  #step: number
  #first = true
  #running = false

  constructor (handler: DispatchHandler, outer: DispatchController, controller: ReplayController, response: Replayable, withStart: boolean) {
    this.#handler = handler
    this.#outer = outer
    this.#controller = controller
    this.#response = response
    this.#step = withStart ? REQUEST_START : RESPONSE_START
  }

  /** Runs the steps left, until one pauses the consumer; an abort or a throwing callback ends in onResponseError. */
  run (): void {
    // (A callback that resumes or aborts re-enters here: the loop already running takes it into account.)
    if (this.#running) return
    this.#running = true
    try {
      while (this.#step !== DONE) {
        const controller = this.#controller
        if (controller.aborted) return this.#fail(controller.reason!)
        // A paused consumer holds back the body. The end, which carries no data, follows the body at once: waiting for
        // a resume there would only delay it (the whole body is already with the consumer).
        if (!this.#first && controller.paused && this.#step !== END) return
        this.#first = false
        try {
          this.#runStep()
        } catch (error) {
          controller.abort(error as Error)
          return this.#fail(error as Error)
        }
      }
    } finally {
      this.#running = false
    }
  }

  #runStep (): void {
    const handler = this.#handler
    const outer = this.#outer
    const response = this.#response
    switch (this.#step) {
      case REQUEST_START:
        this.#step = RESPONSE_START
        handler.onRequestStart?.(outer, {})
        break
      case RESPONSE_START:
        this.#step = response.body.length > 0 ? DATA : END
        this.#controller.rawHeaders = response.rawHeaders
        handler.onResponseStart?.(outer, response.status, response.headers, response.statusText)
        break
      case DATA:
        this.#step = END
        handler.onResponseData?.(outer, response.body)
        break
      default:
        this.#step = DONE
        handler.onResponseEnd?.(outer, {})
    }
  }

  #fail (error: Error): void {
    this.#step = DONE
    this.#handler.onResponseError?.(this.#outer, error)
  }
}

/**
 * Replays `response` to `handler`: start, headers, the body in one chunk, end; honouring pause/resume,
 * and ending in `onResponseError` when the consumer aborts or a callback throws (never an uncaught exception).
 */
export function replay (handler: DispatchHandler, response: Replayable): void {
  const controller = new ReplayController()
  controller.play(new Replay(handler, controller, controller, response, true))
}

/**
 * Replays `response` to a handler whose request has already started (under `outer`, which now forwards to
 * `controller`): the origin's answer is replaced by this one.
 */
export function replayInstead (handler: DispatchHandler, outer: DispatchController, controller: ReplayController, response: Replayable): void {
  controller.play(new Replay(handler, outer, controller, response, false))
}

/** Per entry, its headers prepared once: undici's object form, the raw Buffer pairs, and the names `Vary` lists. */
export interface PreparedHeaders {
  headers: ResponseHeaders
  rawHeaders: Buffer[]
  vary: string[]
  /** The response's Cache-Control. */
  directives: Directives
  /** A `Cache-Status` the origin (or a cache before it) sent, which ours is appended to. */
  upstreamCacheStatus: string | undefined
  /** The per-hit headers of the last fresh hit: reused by the next one while its `Age` and ttl are the same. */
  lastHit?: PerHitHeaders
}

/** What changes from hit to hit: `Age` and `Cache-Status`, and the raw header list that ends with them. */
interface PerHitHeaders {
  age: number
  ttl: number | undefined
  ageText: string
  cacheStatus: string
  rawHeaders: Buffer[]
}

/** The status of a plain fresh hit, the one whose per-hit headers are kept with the entry. */
export const FRESH_HIT: Readonly<Omit<CacheStatus, 'ttl'>> = Object.freeze({ hit: true })

const prepared = new WeakMap<CacheEntry, PreparedHeaders>()

/** The entry's headers in the forms a hit needs, computed on first use and kept with the entry. */
export function preparedHeaders (entry: CacheEntry): PreparedHeaders {
  let ready = prepared.get(entry)
  if (ready === undefined) {
    const headers = toRecord(entry.headers)
    const upstream = headers['cache-status']
    ready = {
      headers,
      rawHeaders: toRawHeaders(entry.headers),
      vary: parseVary(headers.vary),
      directives: parseCacheControl(headers['cache-control']),
      upstreamCacheStatus: Array.isArray(upstream) ? upstream.join(', ') : upstream
    }
    prepared.set(entry, ready)
  }
  return ready
}

const AGE = Buffer.from('age')
const CACHE_STATUS = Buffer.from('cache-status')

/** An entry's times and Cache-Control, as the freshness decisions take them. */
export function entryTimes (entry: CacheEntry): EntryTimes {
  return { expiresAt: entry.expiresAt, createdAt: entry.createdAt, directives: preparedHeaders(entry).directives }
}

function perHitHeaders (ready: PreparedHeaders, status: Omit<CacheStatus, 'ttl'>, age: number, ttl: number | undefined): PerHitHeaders {
  const ours = formatCacheStatus({ ...status, ttl })
  const cacheStatus = ready.upstreamCacheStatus === undefined ? ours : `${ready.upstreamCacheStatus}, ${ours}`
  const ageText = String(age)
  const rawHeaders = ready.rawHeaders.concat(AGE, Buffer.from(ageText), CACHE_STATUS, Buffer.from(ours, 'latin1'))
  return { age, ttl, ageText, cacheStatus, rawHeaders }
}

/**
 * An entry as a response to replay, with its `Age` and this cache's `Cache-Status` (`status`, and the entry's ttl)
 * added. For a {@link FRESH_HIT}, those are formatted once per second of the entry's life, not once per hit.
 */
export function entryResponse (entry: CacheEntry, status: Omit<CacheStatus, 'ttl'>, now = Date.now()): Replayable {
  const ready = preparedHeaders(entry)
  const age = ageSeconds(entry.createdAt, now)
  const ttl = ttlSeconds(entry.expiresAt, now)
  let perHit = status === FRESH_HIT ? ready.lastHit : undefined
  if (perHit === undefined || perHit.age !== age || perHit.ttl !== ttl) {
    perHit = perHitHeaders(ready, status, age, ttl)
    if (status === FRESH_HIT) ready.lastHit = perHit
  }
  // A fresh object per hit (callers may change the one they get); the two per-hit headers set after the copy.
  const headers: ResponseHeaders = Object.assign({}, ready.headers)
  headers['cache-status'] = perHit.cacheStatus
  headers.age = perHit.ageText
  return { status: entry.status, statusText: entry.statusText, headers, rawHeaders: perHit.rawHeaders, body: entry.body }
}

/** A response made here, not by the origin (the 504 of an only-if-cached miss). */
export function syntheticResponse (status: number, statusText: string, cacheStatus: string): Replayable {
  const pairs: HeaderPairs = [['cache-status', cacheStatus], ['content-length', '0']]
  return { status, statusText, headers: toRecord(pairs), rawHeaders: toRawHeaders(pairs), body: Buffer.alloc(0) }
}

/** Ends a request that failed before any response began: the handler gets `onResponseError`, nothing else. */
export function failRequest (handler: DispatchHandler, error: Error): void {
  const controller = new ReplayController()
  controller.abort(error)
  handler.onResponseError?.(controller, error)
}
