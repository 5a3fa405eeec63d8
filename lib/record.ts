/** The handler a forwarded request runs under: it labels the response and tees its body into a recording. */
import type { Duplex } from 'node:stream'
import type { DispatchController, DispatchHandler, ResponseHeaders } from './handler.js'
import { withHeader } from './headers.js'
import { replay, ReplayController, replayInstead, type Replayable } from './replay.js'

/** A complete response as it came from the origin. */
export interface RecordedResponse {
  status: number
  statusText: string
  headers: ResponseHeaders
  body: Buffer
  /** The request context undici gave the exchange (with a `history` when a redirect interceptor followed a chain). */
  context: unknown
}

/** What the interceptor decides when the response headers arrive. */
export type ResponseDecision =
  /** Pass the response on, labelled with this cache's `Cache-Status` entry, recording the body up to `recordUpTo` bytes. */
  | { cacheStatus: string, recordUpTo: number | undefined }
  /** Keep the response from the caller: once it has ended, the caller gets what `instead` gives. */
  | { instead: true }

export interface RecordingCallbacks {
  /** Called once with the response head (and the request context); decides the Cache-Status and whether to record. */
  decide (status: number, headers: ResponseHeaders, context: unknown): ResponseDecision
  /** Called after the caller has been given the whole response, when it was recorded completely. */
  complete? (response: RecordedResponse): void
  /** For a response decided `instead`: once it has ended, the response the caller gets in its place. */
  instead? (response: RecordedResponse): Replayable
  /** For a request that failed before any response reached the caller: a response to give instead of the error, if any. */
  rescue? (error: Error): Replayable | undefined
  /** Called last, once, when the exchange is over (completely, or not). */
  finished? (): void
}

/**
 * The controller the caller sees: the origin's, with `rawHeaders` carrying the Cache-Status line; switched to a
 * replay's controller when the caller gets a response from the cache instead of the origin's.
 */
class ForwardController implements DispatchController {
  #target: DispatchController
  #extra: Buffer[] = []

  constructor (target: DispatchController) {
    this.#target = target
  }

  label (extra: Buffer[]): void {
    this.#extra = extra
  }

  retarget (target: DispatchController): void {
    this.#target = target
    this.#extra = []
  }

  get aborted (): boolean { return this.#target.aborted }
  get paused (): boolean { return this.#target.paused }
  get reason (): Error | null { return this.#target.reason }
  get rawHeaders (): unknown {
    const raw = this.#target.rawHeaders
    return Array.isArray(raw) && this.#extra.length > 0 ? raw.concat(this.#extra) : raw
  }

  get rawTrailers (): unknown { return this.#target.rawTrailers }
  abort (reason: Error): void { this.#target.abort(reason) }
  pause (): void { this.#target.pause() }
  resume (): void { this.#target.resume() }
}

export class RecordingHandler implements DispatchHandler {
  readonly #inner: DispatchHandler
  readonly #callbacks: RecordingCallbacks
  #forward: ForwardController | undefined
  #context: unknown
  #head: { status: number, statusText: string, headers: ResponseHeaders } | undefined
  /** The origin's response is kept from the caller (see `ResponseDecision`). */
  #instead = false
  #chunks: Buffer[] | undefined
  #size = 0
  #limit = 0

  constructor (inner: DispatchHandler, callbacks: RecordingCallbacks) {
    this.#inner = inner
    this.#callbacks = callbacks
  }

  #outer (controller: DispatchController): ForwardController {
    this.#forward ??= new ForwardController(controller)
    return this.#forward
  }

  onRequestStart (controller: DispatchController, context: unknown): void {
    this.#context = context
    this.#inner.onRequestStart?.(this.#outer(controller), context)
  }

  onRequestUpgrade (controller: DispatchController, statusCode: number, headers: ResponseHeaders, socket: Duplex): void {
    this.#inner.onRequestUpgrade?.(this.#outer(controller), statusCode, headers, socket)
  }

  onResponseStarted (): void { this.#inner.onResponseStarted?.() }
  onBodySent (...args: unknown[]): void { this.#inner.onBodySent?.(...args) }
  onRequestSent (): void { this.#inner.onRequestSent?.() }

  onResponseStart (controller: DispatchController, statusCode: number, headers: ResponseHeaders, statusMessage?: string): void {
    const outer = this.#outer(controller)
    // 1xx interim responses are passed on untouched; the final response is the one labelled and recorded.
    if (statusCode < 200) return this.#inner.onResponseStart?.(outer, statusCode, headers, statusMessage)
    const decision = this.#callbacks.decide(statusCode, headers, this.#context)
    this.#head = { status: statusCode, statusText: statusMessage ?? '', headers }
    this.#size = 0
    if ('instead' in decision) {
      this.#instead = true
      this.#chunks = undefined
      return
    }
    this.#chunks = decision.recordUpTo === undefined ? undefined : []
    this.#limit = decision.recordUpTo ?? 0
    outer.label([Buffer.from('cache-status'), Buffer.from(decision.cacheStatus, 'latin1')])
    this.#inner.onResponseStart?.(outer, statusCode, withHeader(headers, 'cache-status', decision.cacheStatus), statusMessage)
  }

  onResponseData (controller: DispatchController, chunk: Buffer): void {
    if (this.#instead) return
    if (this.#chunks) {
      this.#size += chunk.length
      if (this.#size > this.#limit) this.#chunks = undefined
      else this.#chunks.push(chunk)
    }
    this.#inner.onResponseData?.(this.#outer(controller), chunk)
  }

  onResponseEnd (controller: DispatchController, trailers: ResponseHeaders): void {
    try {
      if (this.#instead) return this.#replayInstead(this.#callbacks.instead!({ ...this.#head!, body: Buffer.alloc(0), context: this.#context }))
      // The chunks are views into socket buffers; concat copies them into one Buffer.
      const chunks = this.#chunks
      this.#chunks = undefined
      this.#inner.onResponseEnd?.(this.#outer(controller), trailers)
      if (chunks && this.#head && !controller.aborted) {
        this.#callbacks.complete?.({ ...this.#head, body: Buffer.concat(chunks, this.#size), context: this.#context })
      }
    } finally {
      this.#callbacks.finished?.()
    }
  }

  /** (undici calls this without a controller when the connection fails before the request started.) */
  onResponseError (controller: DispatchController | undefined, error: Error): void {
    try {
      this.#chunks = undefined
      const nothingSent = this.#head === undefined || this.#instead
      const rescued = nothingSent && controller?.aborted !== true ? this.#callbacks.rescue?.(error) : undefined
      if (rescued !== undefined) return this.#replayInstead(rescued)
      this.#inner.onResponseError?.((this.#forward ?? controller)!, error)
    } finally {
      this.#callbacks.finished?.()
    }
  }

  /** Gives the caller `response` in place of the origin's; the caller's controller now drives the replay. */
  #replayInstead (response: Replayable): void {
    // A request that never started (its connection failed) gets the whole replay, start included.
    if (this.#forward === undefined) return replay(this.#inner, response)
    const controller = new ReplayController()
    this.#forward.retarget(controller)
    replayInstead(this.#inner, this.#forward, controller, response)
  }
}
