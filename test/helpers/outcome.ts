/**
 * What a caller experiences of one request, whatever goes wrong: the status (when a response started), every body byte
 * it received, and the error it got (described by what a caller can branch on). Two dispatchers that give equal
 * outcomes are indistinguishable to the caller.
 */
import type { Dispatcher } from 'undici'
import { fetch, request } from './undici.js'

/** An error as a caller sees it: its class name, code and message, and its cause's (fetch wraps undici's errors). */
export interface ErrorShape {
  name: string
  code?: unknown
  message: string
  cause?: ErrorShape
}

export interface Outcome {
  /** The status, when the response started. */
  status?: number
  /** The body bytes received, up to the end or the error. */
  received: Buffer
  /** The error the request or its body failed with; undefined when the body arrived complete. */
  error?: ErrorShape
}

/**
 * How the caller behaves: reads the body to its end; aborts once the first body bytes have arrived; aborts before the
 * response starts (once `aborting` resolves); or never reads the body, and gives up on it once the response started.
 */
export type CallerBehaviour = 'read' | 'abort mid-body' | 'abort before headers' | 'never read'

export interface OutcomeInit {
  dispatcher: Dispatcher
  behaviour: CallerBehaviour
  /** For `abort before headers`: resolves when the caller should abort (the origin has the request). */
  aborting?: Promise<unknown>
}

export function shapeOf (error: unknown): ErrorShape {
  if (!(error instanceof Error)) return { name: typeof error, message: String(error) }
  const shape: ErrorShape = { name: error.name, message: error.message }
  const { code } = error as { code?: unknown }
  if (code !== undefined) shape.code = code
  if (error.cause !== undefined) shape.cause = shapeOf(error.cause)
  return shape
}

/** Sends the request, behaves as asked, and reads what arrives (chunks from `body`) until the end or an error. */
async function experience<R> (
  behaviour: CallerBehaviour,
  aborting: Promise<unknown> | undefined,
  send: (signal: AbortSignal) => Promise<R>,
  response: (res: R) => { status: number, body: AsyncIterable<Uint8Array>, discard: () => Promise<void> }
): Promise<Outcome> {
  const controller = new AbortController()
  if (behaviour === 'abort before headers') void aborting?.then(() => controller.abort())
  let res: R
  try {
    res = await send(controller.signal)
  } catch (error) {
    return { received: Buffer.alloc(0), error: shapeOf(error) }
  }
  const { status, body, discard } = response(res)
  if (behaviour === 'never read') {
    await discard()
    return { status, received: Buffer.alloc(0) }
  }
  const chunks: Buffer[] = []
  try {
    for await (const chunk of body) {
      chunks.push(Buffer.from(chunk))
      if (behaviour === 'abort mid-body') controller.abort()
    }
  } catch (error) {
    return { status, received: Buffer.concat(chunks), error: shapeOf(error) }
  }
  return { status, received: Buffer.concat(chunks) }
}

export interface OutcomeClient {
  name: 'request' | 'fetch'
  outcome (url: string, init: OutcomeInit): Promise<Outcome>
}

export const requestOutcome: OutcomeClient = {
  name: 'request',
  outcome: async (url, { dispatcher, behaviour, aborting }) => experience(
    behaviour,
    aborting,
    async (signal) => request(url, { dispatcher, signal }),
    (res) => ({ status: res.statusCode, body: res.body, discard: async () => { res.body.destroy() } })
  )
}

export const fetchOutcome: OutcomeClient = {
  name: 'fetch',
  outcome: async (url, { dispatcher, behaviour, aborting }) => experience(
    behaviour,
    aborting,
    async (signal) => fetch(url, { dispatcher, signal } as Parameters<typeof fetch>[1]),
    (res) => ({
      status: res.status,
      body: res.body ?? (async function * () {})(),
      discard: async () => { await res.body?.cancel() }
    })
  )
}

export const outcomeClients: OutcomeClient[] = [requestOutcome, fetchOutcome]
