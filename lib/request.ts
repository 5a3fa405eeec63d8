/** Reading what the interceptor needs from undici's dispatch options: the URL, the headers and the body. */
import type { DispatchOptions } from './handler.js'

/** The request path with undici's `query` option appended, as undici itself builds it. */
function pathWithQuery (options: DispatchOptions): string {
  const query = options.query
  if (query === undefined || query === null || typeof query !== 'object') return options.path
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue
    for (const item of Array.isArray(value) ? value : [value]) params.append(name, String(item))
  }
  const search = params.toString()
  if (search === '') return options.path
  return `${options.path}${options.path.includes('?') ? '&' : '?'}${search}`
}

/** The absolute request URL, or undefined when the dispatcher gives no origin (a Client or Pool on undici 7). */
export function requestUrl (options: DispatchOptions, interceptorOrigin: unknown): URL | undefined {
  const origin = options.origin ?? interceptorOrigin
  if (typeof origin !== 'string' && !(origin instanceof URL)) return undefined
  try {
    return new URL(pathWithQuery(options), origin)
  } catch {
    return undefined
  }
}

/** A request body read into memory; `unsupported` for bodies that cannot be keyed (FormData, Blob). */
export type RequestBody =
  | { kind: 'none' }
  | { kind: 'bytes', bytes: Buffer, /** The body was a stream and is now consumed: forward `bytes` instead. */ consumed: boolean }
  | { kind: 'unsupported' }

function isAsyncIterable (value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}

/** Reads the body, consuming a stream or async iterable (as fetch sends it) so that it can be keyed and then forwarded. */
export async function readRequestBody (body: unknown): Promise<RequestBody> {
  if (body === undefined || body === null) return { kind: 'none' }
  if (typeof body === 'string') return { kind: 'bytes', bytes: Buffer.from(body), consumed: false }
  if (body instanceof Uint8Array) return { kind: 'bytes', bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength), consumed: false }
  if (isAsyncIterable(body)) {
    const chunks: Buffer[] = []
    for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array))
    return { kind: 'bytes', bytes: Buffer.concat(chunks), consumed: true }
  }
  return { kind: 'unsupported' }
}
