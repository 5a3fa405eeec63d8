/** Reading what the interceptor needs from undici's dispatch options: the URL, the headers and the body. */
import { BoundedMap } from './bounded-map.js'
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

/** Recently parsed request URLs, by origin and path (URL objects are only read, never changed). */
const parsedUrls = new BoundedMap<string, URL>(1024)

/**
 * The absolute request URL, or undefined when the cache cannot key it: no origin (a Client or Pool on undici 7), or a
 * path that is not origin-form.
 */
export function requestUrl (options: DispatchOptions, interceptorOrigin: unknown): URL | undefined {
  const origin = options.origin ?? interceptorOrigin
  const base = typeof origin === 'string' ? (origin.endsWith('/') ? origin.replace(/\/+$/, '') : origin) : origin instanceof URL ? origin.origin : undefined
  const path = pathWithQuery(options)
  // Only origin-form paths are cacheable ('*' and absolute-form are not what a cache keys on).
  if (base === undefined || !path.startsWith('/')) return undefined
  // Joined as text, not resolved: a path such as '//other.host/x' stays a path on this origin.
  const text = base + path
  let url = parsedUrls.get(text)
  if (url === undefined) {
    try {
      url = new URL(text)
    } catch {
      return undefined
    }
    parsedUrls.set(text, url)
  }
  return url
}

/**
 * A request body read into memory for keying: `bytes` (undefined when empty: an empty body keys like none) and
 * `forward`, what to send on (the original, or the bytes of a stream that reading consumed); or `unsupported`
 * for bodies that cannot be keyed (FormData, Blob).
 */
export type RequestBody =
  | { kind: 'read', bytes: Buffer | undefined, forward: unknown }
  | { kind: 'unsupported' }

function isAsyncIterable (value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
}

function nonEmpty (bytes: Buffer): Buffer | undefined {
  return bytes.length === 0 ? undefined : bytes
}

/** Reads the body, consuming a stream or async iterable (as fetch and pipeline send it) so that it can be keyed. */
export async function readRequestBody (body: unknown): Promise<RequestBody> {
  if (body === undefined || body === null) return { kind: 'read', bytes: undefined, forward: body }
  if (typeof body === 'string') return { kind: 'read', bytes: nonEmpty(Buffer.from(body)), forward: body }
  if (body instanceof Uint8Array) return { kind: 'read', bytes: nonEmpty(Buffer.from(body.buffer, body.byteOffset, body.byteLength)), forward: body }
  if (isAsyncIterable(body)) {
    const chunks: Buffer[] = []
    for await (const chunk of body) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk as Uint8Array))
    const bytes = nonEmpty(Buffer.concat(chunks))
    return { kind: 'read', bytes, forward: bytes ?? null }
  }
  return { kind: 'unsupported' }
}
