/**
 * Responses that carry their own checksum: each body starts with the request line and goes on with random bytes of a
 * random size, and its `x-sha256` header is the body's digest. Any copy of such a response (an answer, a stored entry)
 * can be checked whole without knowing which of many responses for the URL it is: a body cut short, run on, mixed
 * with another, or given to another URL does not pass.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto'
import type { CacheEntry } from 'undici-client-cache'
import type { Route } from './origin.js'

/** Body sizes, beyond the request line: empty, small, around SQLite's page size, and many pages. */
export const BODY_SIZES = [0, 100, 4000, 5000, 20_000, 70_000, 300_000]

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex')

/** The route: each response a new body, of one of `sizes` (bytes after the request line), picked at random. */
export function checkedRoute (sizes = BODY_SIZES): Route {
  return (req, res) => {
    const body = Buffer.concat([Buffer.from(`${req.method} ${req.url}\n`), randomBytes(sizes[randomInt(sizes.length)]!)])
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, 'x-sha256': sha256(body) })
    res.end(body)
  }
}

/** True when `body` is whole, and is a response of the checked route to GET `path` (path and query). */
export function intact (path: string, digest: string | null | undefined, body: Buffer): boolean {
  const line = `GET ${path}\n`
  return digest === sha256(body) && body.toString('latin1', 0, line.length) === line
}

/** True when a stored entry holds a whole response of the checked route, to a GET of its own URL. */
export function entryIntact (entry: CacheEntry): boolean {
  const url = new URL(entry.url)
  const digest = entry.headers.find(([name]) => name === 'x-sha256')?.[1]
  return intact(url.pathname + url.search, digest, entry.body)
}
