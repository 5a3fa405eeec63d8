/** A real HTTP origin on 127.0.0.1 that records every request it receives. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface SeenRequest {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: Buffer
}

export type Route = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void | Promise<void>

export interface Origin {
  /** `http://127.0.0.1:<port>` */
  url: string
  /** Every request received, in order. */
  requests: SeenRequest[]
  /** How many requests reached the origin, optionally only those whose path (with query) starts with `path`. */
  count (path?: string): number
  close (): Promise<void>
}

/** The default route: 200, `hello <url>`, plus any `?status=`, `?cc=` (Cache-Control) and `?size=` (body bytes) asked for. */
export const echo: Route = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  const status = Number(url.searchParams.get('status') ?? 200)
  const cc = url.searchParams.get('cc')
  if (cc !== null) res.setHeader('cache-control', cc)
  res.setHeader('content-type', 'text/plain')
  res.statusCode = status
  const size = url.searchParams.get('size')
  res.end(size === null ? `hello ${req.method} ${req.url}` : Buffer.alloc(Number(size), 'x'))
}

/** {@link echo} with an ETag, answering a matching `If-None-Match` with a 304: a `?cc=max-age=0` response is then stored (stale, to be revalidated). */
export const echoWithEtag: Route = (req, res, seen) => {
  res.setHeader('etag', '"v1"')
  if (req.headers['if-none-match'] === '"v1"') {
    res.statusCode = 304
    res.end()
    return
  }
  return echo(req, res, seen)
}

export async function startOrigin (route: Route = echo): Promise<Origin> {
  const requests: SeenRequest[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const seen = { method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks) }
      requests.push(seen)
      Promise.resolve(route(req, res, seen)).catch((error: unknown) => {
        res.statusCode = 500
        res.end(String(error))
      })
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    count: (path?: string) => path === undefined ? requests.length : requests.filter((r) => r.url.startsWith(path)).length,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
