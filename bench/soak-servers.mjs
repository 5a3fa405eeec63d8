// The store servers the soak test kills and restarts: redis-server, CongoDB (scripts/congodb.mjs, a MongoDB
// wire-protocol server) and dynalite (DynamoDB), each a child process of the soak's own on a free port of 127.0.0.1.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { probeRedis } from './probe.mjs'

const root = fileURLToPath(new URL('..', import.meta.url))
const START_TIMEOUT_MS = 15_000

/** True once a TCP connection to `port` succeeds. */
function listening (port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
  })
}

const SPECS = {
  redis: {
    name: 'redis-server',
    missing: () => spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error ? 'redis-server is not installed (apt-get install redis-server)' : undefined,
    spawn: (port, dir) => spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }),
    answers: async (port) => (await probeRedis(`redis://127.0.0.1:${port}`)).ok
  },
  mongodb: {
    name: 'CongoDB',
    missing: () => existsSync(join(root, 'node_modules/@push.rocks/smartmongo')) ? undefined : 'CongoDB (@push.rocks/smartmongo) is not installed: run npm install',
    spawn: (port) => spawn(process.execPath, ['scripts/congodb.mjs'], { cwd: root, env: { ...process.env, MONGO_PORT: String(port) }, stdio: 'ignore' }),
    answers: listening
  },
  dynamodb: {
    name: 'dynalite',
    missing: () => existsSync(join(root, 'node_modules/dynalite/cli.js')) ? undefined : 'dynalite is not installed: run npm install',
    // (On disk, so that the table outlives a restart, as a DynamoDB table does.)
    spawn: (port, dir) => spawn(process.execPath, ['node_modules/dynalite/cli.js', '--host', '127.0.0.1', '--port', String(port), '--createTableMs', '0', '--path', join(dir, 'data')], { cwd: root, stdio: 'ignore' }),
    answers: listening
  }
}

function freePort () {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

const running = new Set()
process.on('exit', () => { for (const child of running) child.kill('SIGKILL') })
// (Interrupted, the process runs its exit handlers too, so that no server outlives it.)
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => process.exit(130))

/**
 * Starts a server of `kind` ('redis', 'mongodb', 'dynamodb'). Resolves `{ skipped }` (why) when it cannot run here,
 * else `{ name, port, kill(), start(), stop() }`: `kill` is SIGKILL, `start` starts it again on the same port and
 * resolves once it answers, `stop` kills it for good and removes its files.
 */
export async function startServer (kind) {
  const spec = SPECS[kind]
  const skipped = spec.missing()
  if (skipped !== undefined) return { skipped }
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), `ucc-soak-${kind}-`))
  let child
  let exited

  async function start () {
    child = spec.spawn(port, dir)
    running.add(child)
    const current = child
    exited = new Promise((resolve) => current.once('exit', () => { running.delete(current); resolve() }))
    const deadline = Date.now() + START_TIMEOUT_MS
    while (!await spec.answers(port)) {
      if (!running.has(current)) throw new Error(`${spec.name} on port ${port} exited before answering`)
      if (Date.now() > deadline) throw new Error(`${spec.name} on port ${port} did not answer within ${START_TIMEOUT_MS} ms`)
      await sleep(50)
    }
  }

  async function kill () {
    if (child !== undefined && running.has(child)) {
      child.kill('SIGKILL')
      await exited
    }
  }

  await start()
  return {
    name: spec.name,
    port,
    kill,
    start,
    async stop () {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
