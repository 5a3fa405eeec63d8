/**
 * Where the test servers of `scripts/services.sh` (Redis, a Redis Cluster, CongoDB for MongoDB,
 * dynalite for DynamoDB) are, and whether they answer. The UCC_* variables override the addresses.
 */
import { connect } from 'node:net'
import type { TestContext } from 'node:test'

export type ServiceName = 'redis' | 'redis-cluster' | 'mongodb' | 'dynamodb'

const clusterEnv = (process.env.UCC_REDIS_CLUSTER ?? '').split(',').map((url) => url.trim()).filter(Boolean)

export const services: {
  redisUrl: string
  clusterNodes: string[]
  mongoUrl: string
  dynamoEndpoint: string
} = {
  redisUrl: process.env.UCC_REDIS_URL || 'redis://127.0.0.1:16379',
  clusterNodes: clusterEnv.length > 0 ? clusterEnv : [30001, 30002, 30003].map((port) => `redis://127.0.0.1:${port}`),
  mongoUrl: process.env.UCC_MONGO_URL || 'mongodb://127.0.0.1:27117',
  dynamoEndpoint: process.env.UCC_DYNAMO_URL || 'http://127.0.0.1:18000'
}

const PROBE_TIMEOUT_MS = 1000
const DEFAULT_PORTS: Record<string, number> = { 'redis:': 6379, 'rediss:': 6379, 'mongodb:': 27017, 'http:': 80, 'https:': 443 }

/** Host and port of a server URL; of its first host when it lists several (`mongodb://a:1,b:2/db`). */
function hostPort (url: string): { host: string, port: number } {
  const parsed = new URL(url.replace(/^([a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?[^,/]*),[^/]*/i, '$1'))
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(parsed.port) || DEFAULT_PORTS[parsed.protocol] || 0
  }
}

interface Exchange {
  request: string
  /** What the reply so far says: true or false, or undefined while it is incomplete. */
  verdict (reply: string): boolean | undefined
}

/**
 * Connects to the server of `url`; resolves true once connected when there is no `exchange`, else
 * sends its request and resolves its verdict on the reply. False on an error, a closed connection
 * or after PROBE_TIMEOUT_MS.
 */
export function probe (url: string, exchange?: Exchange): Promise<boolean> {
  return new Promise((resolve) => {
    const { host, port } = hostPort(url) // an invalid URL rejects
    let reply = ''
    let settled = false
    const socket = connect({ host, port })
    const timer = setTimeout(() => done(false), PROBE_TIMEOUT_MS)
    function done (ok: boolean): void {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(ok)
    }
    socket.setEncoding('utf8')
    socket.once('error', () => done(false))
    socket.once('close', () => done(false))
    socket.once('connect', () => {
      if (exchange === undefined) done(true)
      else socket.write(exchange.request)
    })
    socket.on('data', (chunk: string) => {
      reply += chunk
      const verdict = exchange?.verdict(reply)
      if (verdict !== undefined) done(verdict)
    })
  })
}

/** True when the Redis server at `url` answers a RESP PING with +PONG (within about 1 s). */
export function redisPing (url: string): Promise<boolean> {
  return probe(url, {
    request: '*1\r\n$4\r\nPING\r\n',
    verdict: (reply) => reply.includes('\r\n') ? reply.startsWith('+PONG') : undefined
  })
}

function clusterStateOk (url: string): Promise<boolean> {
  return probe(url, {
    request: '*2\r\n$7\r\nCLUSTER\r\n$4\r\nINFO\r\n',
    verdict: (reply) => {
      const state = /cluster_state:(\w+)\r\n/.exec(reply)
      if (state) return state[1] === 'ok'
      return reply.startsWith('-') && reply.includes('\r\n') ? false : undefined // an error reply
    }
  })
}

function address (name: ServiceName): string {
  switch (name) {
    case 'redis': return services.redisUrl
    case 'redis-cluster': return services.clusterNodes.join(',')
    case 'mongodb': return services.mongoUrl
    case 'dynamodb': return services.dynamoEndpoint
  }
}

const probes = new Map<ServiceName, Promise<boolean>>()

/**
 * True when the server answers (memoized per name): redis → a RESP PING answered +PONG;
 * redis-cluster → CLUSTER INFO on the first node contains cluster_state:ok; mongodb and
 * dynamodb → a TCP connection succeeds. Each probe times out after about 1 s.
 */
export function reachable (name: ServiceName): Promise<boolean> {
  let result = probes.get(name)
  if (result === undefined) {
    const first = services.clusterNodes[0]
    switch (name) {
      case 'redis': result = redisPing(services.redisUrl); break
      case 'redis-cluster': result = first === undefined ? Promise.resolve(false) : clusterStateOk(first); break
      case 'mongodb': result = probe(services.mongoUrl); break
      case 'dynamodb': result = probe(services.dynamoEndpoint); break
    }
    probes.set(name, result)
  }
  return result
}

/**
 * For a test that needs a server: resolves true when it is reachable. Otherwise, when env
 * UCC_REQUIRE_SERVICES=1 (CI), throws; else skips the test (`t.skip`) and resolves false, and the
 * test should return.
 */
export async function needService (t: TestContext, name: ServiceName): Promise<boolean> {
  if (await reachable(name)) return true
  if (process.env.UCC_REQUIRE_SERVICES === '1') {
    throw new Error(`${name} is not reachable at ${address(name)}: start the test servers with \`npm run services:start\``)
  }
  t.skip(`${name} is not reachable at ${address(name)} (npm run services:start)`)
  return false
}
