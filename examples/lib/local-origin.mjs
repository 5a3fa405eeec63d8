// A tiny HTTP origin for the examples: a node:http server on 127.0.0.1 (port chosen by the OS)
// that counts the requests it receives, so an example can show how many actually reached it.
import { createServer } from 'node:http'

/**
 * Starts a server that answers every request with `handle(req, res)` (which may be async).
 * Resolves to { port, url, requests(), close() }; `url` is `http://127.0.0.1:<port>`.
 */
export async function startOrigin (handle) {
  let received = 0
  const server = createServer((req, res) => {
    received++
    Promise.resolve(handle(req, res)).catch((error) => {
      res.statusCode = 500
      res.end(String(error))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    /** How many requests this server has received so far. */
    requests: () => received,
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
