/** An Agent that resolves every host name to 127.0.0.1, so tests can use real host names offline. */
import { connect, type LookupFunction } from 'node:net'
import { Agent } from './undici.js'

const lookup: LookupFunction = (_host, options, callback) => {
  if (options.all) (callback as unknown as (error: null, addresses: Array<{ address: string, family: number }>) => void)(null, [{ address: '127.0.0.1', family: 4 }])
  else callback(null, '127.0.0.1', 4)
}

export function loopbackAgent (): InstanceType<typeof Agent> {
  return new Agent({ connect: { lookup } })
}

/** An Agent that connects every request, whatever its host and port, to 127.0.0.1:`port`. */
export function routedAgent (port: number): InstanceType<typeof Agent> {
  return new Agent({
    connect: (_options, callback) => {
      const socket = connect(port, '127.0.0.1')
      socket.once('connect', () => callback(null, socket))
      socket.once('error', (error) => callback(error, null))
    }
  })
}
