/**
 * Throwaway servers of a test's own (redis-server, CongoDB, dynalite) as child processes, for the tests that kill a
 * store's server, start a backend before its server, or bring the server back.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { probe, redisPing } from './services.js'

export interface ServerProcess {
  port: number
  /** SIGKILL; resolves once the process has exited. */
  kill (): Promise<void>
  /** (Re)starts it on the same port; resolves once it answers. */
  start (): Promise<void>
}

interface ServerSpec {
  name: string
  command: string
  args (port: number, dir: string): string[]
  /** Resolves true once the server on `port` answers. */
  answers (port: number): Promise<boolean>
}

const START_TIMEOUT_MS = 10_000
const root = fileURLToPath(new URL('../../../', import.meta.url))

// Whatever is still running when the test process exits is killed with it.
const children = new Set<ChildProcess>()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

function freePort (): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function alive (child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null
}

/** Starts `spec`'s server on a free port (or leaves it stopped); it is killed, and its directory removed, after the test. */
async function serverProcess (t: TestContext, spec: ServerSpec, started: boolean): Promise<ServerProcess> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), `ucc-${spec.name}-`))
  const logFile = join(dir, 'server.log')
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()

  function failure (reason: string): Error {
    let log = ''
    try { log = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-10).join('\n') } catch { /* no log yet */ }
    return new Error(`${spec.name} on port ${port} ${reason}${log ? `; its log:\n${log}` : ''}`)
  }

  async function start (): Promise<void> {
    if (child === undefined || !alive(child)) {
      const current = spawn(spec.command, spec.args(port, dir), { cwd: root, stdio: ['ignore', 'ignore', 'ignore'] })
      children.add(current)
      exited = new Promise((resolve) => current.once('exit', () => { children.delete(current); resolve() }))
      current.unref() // the test process may end while it runs; the 'exit' hook kills it
      child = current
    }
    const current = child
    const deadline = Date.now() + START_TIMEOUT_MS
    while (!await spec.answers(port)) {
      if (!alive(current)) throw failure(`exited (${current.exitCode ?? current.signalCode}) before answering`)
      if (Date.now() > deadline) throw failure(`did not answer within ${START_TIMEOUT_MS} ms`)
      await sleep(50)
    }
  }

  async function kill (): Promise<void> {
    if (child !== undefined && alive(child)) {
      child.ref() // an awaited exit must keep the event loop alive
      child.kill('SIGKILL')
      await exited
      child.unref()
    }
  }

  t.after(async () => {
    await kill()
    rmSync(dir, { recursive: true, force: true })
  })
  if (started) await start()
  return { port, kill, start }
}

const tcp = async (port: number): Promise<boolean> => probe(`http://127.0.0.1:${port}`)

const specs = {
  redis: {
    name: 'redis-server',
    command: 'redis-server',
    args: (port: number, dir: string) => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', join(dir, 'server.log')],
    answers: async (port: number) => redisPing(`redis://127.0.0.1:${port}`)
  },
  mongodb: {
    name: 'congodb',
    command: process.execPath,
    args: (port: number) => ['-e', `process.env.MONGO_PORT = '${port}'; import('./scripts/congodb.mjs')`],
    answers: tcp
  },
  dynamodb: {
    name: 'dynalite',
    command: process.execPath,
    // (On disk, so that its tables outlive a restart, as DynamoDB's do.)
    args: (port: number, dir: string) => ['node_modules/dynalite/cli.js', '--host', '127.0.0.1', '--port', String(port), '--createTableMs', '0', '--path', join(dir, 'data')],
    answers: tcp
  }
} satisfies Record<string, ServerSpec>

/**
 * A server of the test's own: started (or, with `started: false`, only given a port). Resolves undefined, skipping the
 * test, when redis-server is not installed (a failure instead when UCC_REQUIRE_SERVICES=1).
 */
export async function ownServer (t: TestContext, kind: keyof typeof specs, { started = true } = {}): Promise<ServerProcess | undefined> {
  if (kind === 'redis' && (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
    if (process.env.UCC_REQUIRE_SERVICES === '1') throw new Error('redis-server is not installed')
    t.skip('redis-server is not installed')
    return undefined
  }
  return serverProcess(t, specs[kind], started)
}
