// What this machine offers: a Redis server to benchmark against, and node:sqlite for undici's SqliteCacheStore.
import { connect } from 'node:net'

/** Resolves `{ ok: true }` when a Redis server at `url` answers PING within `ms`, else `{ ok: false, reason }`. */
export function probeRedis (url, ms = 500) {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port || 6379), hostname.replace(/^\[|\]$/g, ''))
    const done = (result) => {
      clearTimeout(timer)
      socket.destroy()
      resolve(result)
    }
    const timer = setTimeout(() => done({ ok: false, reason: `no answer to PING within ${ms} ms` }), ms)
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'))
    socket.on('data', (data) => done(data.toString('latin1').startsWith('+PONG')
      ? { ok: true }
      : { ok: false, reason: `PING answered ${JSON.stringify(data.toString('latin1').trim())}` }))
    socket.on('error', (error) => done({ ok: false, reason: error.code ?? error.message }))
  })
}

/** Whether node:sqlite can be imported (Node ≥ 22.13; not Node 20). */
export async function hasNodeSqlite () {
  try {
    await import('node:sqlite')
    return true
  } catch {
    return false
  }
}
