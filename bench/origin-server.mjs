// The origin, run as a child process (see origin.mjs) so that its CPU time is not counted in the benchmark
// process's process.cpuUsage(). Every response is cacheable for an hour; the body is 100 KiB under /100k, else 1 KiB.
// It counts the requests it answers, so the parent can check that cache hits never reached it.
import { createServer } from 'node:http'

const bodies = {
  small: { body: Buffer.alloc(1024, 'a'), etag: '"1k-v1"' },
  large: { body: Buffer.alloc(100 * 1024, 'b'), etag: '"100k-v1"' }
}
let requests = 0

const server = createServer((req, res) => {
  requests++
  const { body, etag } = req.url.startsWith('/100k') ? bodies.large : bodies.small
  res.writeHead(200, {
    'cache-control': 'max-age=3600',
    'content-type': 'application/octet-stream',
    'content-length': body.length,
    etag
  })
  res.end(body)
})
server.keepAliveTimeout = 60_000

server.listen(0, '127.0.0.1', () => process.send({ type: 'port', port: server.address().port }))
process.on('message', (message) => {
  if (message.type === 'count') process.send({ type: 'count', id: message.id, count: requests })
})
// The parent closes the IPC channel when it is done (or dies): stop at once, open keep-alive sockets included.
process.on('disconnect', () => {
  server.closeAllConnections()
  server.close()
})
