// The "ideal" interceptor: the least work a cache hit can cost in undici. Hits come from a plain Map of
// ready-made responses (headers prepared once, the body joined into one Buffer) and are replayed synchronously,
// in one onResponseData call, under a minimal controller. It ignores HTTP caching rules (every GET 200 is stored
// forever): it is a lower bound to compare against, not a cache to use.

/** The controller a replayed response runs under. Only abort matters: the body is delivered in one call. */
class ReplayController {
  aborted = false
  paused = false
  reason = null
  rawTrailers = []
  constructor (rawHeaders) { this.rawHeaders = rawHeaders }
  abort (reason) {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
  }

  pause () { this.paused = true }
  resume () { this.paused = false }
}

function replay (handler, entry) {
  const controller = new ReplayController(entry.rawHeaders)
  try {
    handler.onRequestStart?.(controller, {})
    if (!controller.aborted) handler.onResponseStart?.(controller, entry.statusCode, entry.headers, entry.statusMessage)
    if (!controller.aborted) handler.onResponseData?.(controller, entry.body)
    if (!controller.aborted) handler.onResponseEnd?.(controller, {})
  } catch (error) {
    controller.abort(error)
  }
  if (controller.aborted) handler.onResponseError?.(controller, controller.reason ?? new Error('aborted'))
}

/** Raw headers as undici 8's fetch reads them from a controller: name/value Buffer pairs, one pair per value. */
function toRawHeaders (headers) {
  const raw = []
  for (const [name, value] of Object.entries(headers)) {
    for (const one of Array.isArray(value) ? value : [value]) raw.push(Buffer.from(name, 'latin1'), Buffer.from(one, 'latin1'))
  }
  return raw
}

/** Forwards every callback to the caller's handler; records a GET 200 and stores it when its body is complete. */
class RecordingHandler {
  #chunks = null
  #response = null
  constructor (handler, store, key) {
    this.handler = handler
    this.store = store
    this.key = key
  }

  onRequestStart (controller, context) { return this.handler.onRequestStart?.(controller, context) }
  onRequestUpgrade (controller, statusCode, headers, socket) { return this.handler.onRequestUpgrade?.(controller, statusCode, headers, socket) }
  onResponseStarted () { return this.handler.onResponseStarted?.() }
  onBodySent (...args) { return this.handler.onBodySent?.(...args) }
  onRequestSent () { return this.handler.onRequestSent?.() }

  onResponseStart (controller, statusCode, headers, statusMessage) {
    if (statusCode === 200) {
      this.#chunks = []
      this.#response = { statusCode, statusMessage, headers: { ...headers }, rawHeaders: toRawHeaders(headers) }
    }
    return this.handler.onResponseStart?.(controller, statusCode, headers, statusMessage)
  }

  onResponseData (controller, chunk) {
    this.#chunks?.push(chunk)
    return this.handler.onResponseData?.(controller, chunk)
  }

  onResponseEnd (controller, trailers) {
    // (Buffer.concat copies, so the entry never pins the socket's read buffers.)
    if (this.#response !== null) this.store.set(this.key, { ...this.#response, body: Buffer.concat(this.#chunks) })
    return this.handler.onResponseEnd?.(controller, trailers)
  }

  onResponseError (controller, error) {
    this.#response = null
    this.#chunks = null
    return this.handler.onResponseError?.(controller, error)
  }
}

/** @returns an undici compose interceptor, with `.store` (the Map) for inspection. */
export function idealInterceptor () {
  const store = new Map()
  const interceptor = (dispatch) => function idealDispatch (opts, handler) {
    if (opts.method !== 'GET') return dispatch(opts, handler)
    const key = opts.origin + opts.path
    const entry = store.get(key)
    if (entry !== undefined) {
      replay(handler, entry)
      return true
    }
    return dispatch(opts, new RecordingHandler(handler, store, key))
  }
  interceptor.store = store
  return interceptor
}
