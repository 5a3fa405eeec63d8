/**
 * The controller-style dispatch handler API, typed structurally so that one definition fits undici 7 and 8.
 * Only the v2 callbacks are used: never `onConnect`/`onHeaders`/`onData`/`onComplete`/`onError`.
 */
import type { Duplex } from 'node:stream'

export type ResponseHeaders = Record<string, string | string[] | undefined>

export interface DispatchController {
  readonly aborted: boolean
  readonly paused: boolean
  readonly reason: Error | null
  rawHeaders?: unknown
  rawTrailers?: unknown
  abort (reason: Error): void
  pause (): void
  resume (): void
}

export interface DispatchHandler {
  onRequestStart? (controller: DispatchController, context: unknown): void
  onRequestUpgrade? (controller: DispatchController, statusCode: number, headers: ResponseHeaders, socket: Duplex): void
  onResponseStart? (controller: DispatchController, statusCode: number, headers: ResponseHeaders, statusMessage?: string): void
  onResponseData? (controller: DispatchController, chunk: Buffer): void
  onResponseEnd? (controller: DispatchController, trailers: ResponseHeaders): void
  onResponseError? (controller: DispatchController, error: Error): void
  onResponseStarted? (): void
  onBodySent? (...args: unknown[]): void
  onRequestSent? (): void
}

/** What undici passes to an interceptor's dispatch; `cache` carries this library's per-request options. */
export interface DispatchOptions {
  origin?: string | URL
  path: string
  method: string
  body?: unknown
  headers?: unknown
  query?: Record<string, unknown>
  cache?: unknown
  [option: string]: unknown
}

export type Dispatch = (options: DispatchOptions, handler: DispatchHandler) => boolean
