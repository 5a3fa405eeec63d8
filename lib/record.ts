/** The handler a forwarded request runs under: it labels the response and tees its body into a recording. */
import type { Duplex } from 'node:stream'
import type { DispatchController, DispatchHandler, ResponseHeaders } from './handler.js'
import { withHeader } from './headers.js'

/** A complete response as it came from the origin. */
export interface RecordedResponse {
  status: number
  statusText: string
  headers: ResponseHeaders
  body: Buffer
}

/** What the interceptor decides when the response headers arrive. */
export interface ResponseDecision {
  /** This cache's `Cache-Status` entry for the response. */
  cacheStatus: string
  /** Record the body for storage, up to this many bytes; undefined = do not record. */
  recordUpTo: number | undefined
}

export interface RecordingCallbacks {
  /** Called once with the response head; decides the Cache-Status and whether to record. */
  decide (status: number, headers: ResponseHeaders): ResponseDecision
  /** Called after the caller has been given the whole response, when it was recorded completely. */
  complete? (response: RecordedResponse): void
}

/** The downstream controller as the caller sees it: the same, with `rawHeaders` carrying the Cache-Status line. */
class LabelledController implements DispatchController {
  readonly #target: DispatchController
  readonly #extra: Buffer[]

  constructor (target: DispatchController, extra: Buffer[]) {
    this.#target = target
    this.#extra = extra
  }

  get aborted (): boolean { return this.#target.aborted }
  get paused (): boolean { return this.#target.paused }
  get reason (): Error | null { return this.#target.reason }
  get rawHeaders (): unknown {
    const raw = this.#target.rawHeaders
    return Array.isArray(raw) ? raw.concat(this.#extra) : raw
  }

  get rawTrailers (): unknown { return this.#target.rawTrailers }
  abort (reason: Error): void { this.#target.abort(reason) }
  pause (): void { this.#target.pause() }
  resume (): void { this.#target.resume() }
}

export class RecordingHandler implements DispatchHandler {
  readonly #inner: DispatchHandler
  readonly #callbacks: RecordingCallbacks
  #controller: DispatchController | undefined
  #head: { status: number, statusText: string, headers: ResponseHeaders } | undefined
  #chunks: Buffer[] | undefined
  #size = 0
  #limit = 0

  constructor (inner: DispatchHandler, callbacks: RecordingCallbacks) {
    this.#inner = inner
    this.#callbacks = callbacks
  }

  #outer (controller: DispatchController): DispatchController {
    return this.#controller ?? controller
  }

  onRequestStart (controller: DispatchController, context: unknown): void {
    this.#inner.onRequestStart?.(controller, context)
  }

  onRequestUpgrade (controller: DispatchController, statusCode: number, headers: ResponseHeaders, socket: Duplex): void {
    this.#inner.onRequestUpgrade?.(controller, statusCode, headers, socket)
  }

  onResponseStarted (): void { this.#inner.onResponseStarted?.() }
  onBodySent (...args: unknown[]): void { this.#inner.onBodySent?.(...args) }
  onRequestSent (): void { this.#inner.onRequestSent?.() }

  onResponseStart (controller: DispatchController, statusCode: number, headers: ResponseHeaders, statusMessage?: string): void {
    // 1xx interim responses are passed on untouched; the final response is the one labelled and recorded.
    if (statusCode < 200) return this.#inner.onResponseStart?.(controller, statusCode, headers, statusMessage)
    const decision = this.#callbacks.decide(statusCode, headers)
    this.#head = { status: statusCode, statusText: statusMessage ?? '', headers }
    this.#chunks = decision.recordUpTo === undefined ? undefined : []
    this.#limit = decision.recordUpTo ?? 0
    this.#size = 0
    this.#controller = new LabelledController(controller, [Buffer.from('cache-status'), Buffer.from(decision.cacheStatus, 'latin1')])
    this.#inner.onResponseStart?.(this.#controller, statusCode, withHeader(headers, 'cache-status', decision.cacheStatus), statusMessage)
  }

  onResponseData (controller: DispatchController, chunk: Buffer): void {
    if (this.#chunks) {
      this.#size += chunk.length
      if (this.#size > this.#limit) this.#chunks = undefined
      else this.#chunks.push(chunk)
    }
    this.#inner.onResponseData?.(this.#outer(controller), chunk)
  }

  onResponseEnd (controller: DispatchController, trailers: ResponseHeaders): void {
    // The chunks are views into socket buffers; concat copies them into one compact Buffer.
    const chunks = this.#chunks
    this.#chunks = undefined
    this.#inner.onResponseEnd?.(this.#outer(controller), trailers)
    if (chunks && this.#head && !controller.aborted) {
      this.#callbacks.complete?.({ ...this.#head, body: Buffer.concat(chunks, this.#size) })
    }
  }

  onResponseError (controller: DispatchController, error: Error): void {
    this.#chunks = undefined
    this.#inner.onResponseError?.(this.#outer(controller), error)
  }
}
