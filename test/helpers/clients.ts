/** The ways a user sends a request through a dispatcher, each reduced to the same answer shape for assertions. */
import { parseCacheStatus, type CacheStatus, type RequestCacheOptions } from 'undici-client-cache'
import type { Dispatcher } from 'undici'
import { fetch, request, setGlobalDispatcher } from './undici.js'

export interface Answer {
  status: number
  header (name: string): string | null
  setCookies: string[]
  body: Buffer
  text: string
  cacheStatus: CacheStatus | undefined
}

export interface SendInit {
  dispatcher: Dispatcher
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Per-request cache options: only `request` can carry them (fetch users use headers). */
  cache?: RequestCacheOptions | false
}

export interface Consumer {
  name: 'request' | 'fetch' | 'global fetch'
  send (url: string, init: SendInit): Promise<Answer>
}

function fromHeaders (headers: Headers, status: number, body: Buffer): Answer {
  return {
    status,
    header: (name) => headers.get(name),
    setCookies: headers.getSetCookie(),
    body,
    text: body.toString(),
    cacheStatus: parseCacheStatus(headers)
  }
}

export const viaRequest: Consumer = {
  name: 'request',
  async send (url, init) {
    const options = { dispatcher: init.dispatcher, method: init.method ?? 'GET', headers: init.headers, body: init.body, cache: init.cache }
    const res = await request(url, options as Parameters<typeof request>[1])
    const body = Buffer.from(await res.body.arrayBuffer())
    const header = (name: string): string | null => {
      const value = res.headers[name.toLowerCase()]
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value
    }
    const cookies = res.headers['set-cookie']
    return { status: res.statusCode, header, setCookies: cookies === undefined ? [] : [cookies].flat(), body, text: body.toString(), cacheStatus: parseCacheStatus(res.headers) }
  }
}

export const viaFetch: Consumer = {
  name: 'fetch',
  async send (url, init) {
    const res = await fetch(url, { dispatcher: init.dispatcher, method: init.method, headers: init.headers, body: init.body } as Parameters<typeof fetch>[1])
    return fromHeaders(res.headers as unknown as Headers, res.status, Buffer.from(await res.arrayBuffer()))
  }
}

export const viaGlobalFetch: Consumer = {
  name: 'global fetch',
  async send (url, init) {
    setGlobalDispatcher(init.dispatcher)
    const res = await globalThis.fetch(url, { method: init.method, headers: init.headers, body: init.body })
    return fromHeaders(res.headers, res.status, Buffer.from(await res.arrayBuffer()))
  }
}

export const consumers: Consumer[] = [viaRequest, viaFetch, viaGlobalFetch]
