/**
 * A TCP proxy on 127.0.0.1 in front of a store's server, of a test's own, for faults a killed server cannot show: a
 * server that is slow, or one that accepts connections and never answers. Its mode can be switched at any time.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net'
import type { TestContext } from 'node:test'

/**
 * `'pass'`: traffic flows both ways. `{ delay }`: every chunk arrives `delay` ms late, in order. `'hang'`: connections
 * are accepted (and the server connected to), but nothing is passed on either way: what is sent is held, as by a
 * server that has stopped answering, and flows once the proxy passes traffic again.
 */
export type ProxyMode = 'pass' | 'hang' | { delay: number }

export interface Proxy {
  port: number
  /** Switches the mode; chunks already held are passed on as the new mode says. */
  setMode (mode: ProxyMode): void
  /** Connections open now (from clients). */
  readonly open: number
}

/** One direction of a connection: chunks read from `from`, written to `to` as the mode says. */
class Lane {
  readonly #queue: Array<{ at: number, chunk: Buffer }> = []
  #timer: NodeJS.Timeout | undefined

  constructor (readonly from: Socket, readonly to: Socket, readonly mode: () => ProxyMode) {
    from.on('data', (chunk: Buffer) => {
      const mode = this.mode()
      this.#queue.push({ at: Date.now() + (typeof mode === 'object' ? mode.delay : 0), chunk })
      this.pump()
    })
  }

  /** Passes on what is due, and holds the rest. (It keeps reading while hung, so that it sees a connection closed.) */
  pump (): void {
    clearTimeout(this.#timer)
    const mode = this.mode()
    if (mode === 'hang') return
    const now = Date.now()
    while (this.#queue.length > 0 && (mode === 'pass' || this.#queue[0]!.at <= now)) {
      const { chunk } = this.#queue.shift()!
      if (!this.to.destroyed) this.to.write(chunk)
    }
    if (this.#queue.length > 0) this.#timer = setTimeout(() => this.pump(), this.#queue[0]!.at - now)
  }

  stop (): void {
    clearTimeout(this.#timer)
    this.#queue.length = 0
  }
}

/** Starts a proxy to the server on `targetPort` (closed, with its connections, after the test). */
export async function startProxy (t: TestContext, targetPort: number, mode: ProxyMode = 'pass'): Promise<Proxy> {
  const connections = new Set<{ lanes: Lane[], end: () => void }>()
  let current = mode
  const modeNow = (): ProxyMode => current
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort })
    const lanes = [new Lane(client, upstream, modeNow), new Lane(upstream, client, modeNow)]
    const connection = {
      lanes,
      end: () => {
        for (const lane of lanes) lane.stop()
        client.destroy()
        upstream.destroy()
        connections.delete(connection)
      }
    }
    connections.add(connection)
    for (const socket of [client, upstream]) {
      socket.on('error', connection.end)
      socket.on('close', connection.end)
    }
    for (const lane of lanes) lane.pump()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.after(async () => {
    for (const connection of connections) connection.end()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return {
    port: (server.address() as AddressInfo).port,
    setMode (next) {
      current = next
      for (const connection of connections) for (const lane of connection.lanes) lane.pump()
    },
    get open () { return connections.size }
  }
}
