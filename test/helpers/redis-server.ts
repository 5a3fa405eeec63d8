/** A private, throwaway redis-server for the tests that kill and restart Redis. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { redisPing } from './services.js'

export interface RedisProcess {
  port: number
  url: string
  /** SIGKILL; resolves once the process has exited. */
  kill (): Promise<void>
  /** (Re)starts it on the same port; resolves once PING answers. */
  start (): Promise<void>
  /** Kills it if running and removes its directory; idempotent. */
  stop (): Promise<void>
}

const START_TIMEOUT_MS = 10_000

// Whatever is still running when the test process exits is killed with it.
const children = new Set<ChildProcess>()
const dirs = new Set<string>()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
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

/**
 * Starts redis-server as a child process (not daemonized, `--save '' --appendonly no`, in its own
 * temporary directory) on a free port and waits for PING. Resolves undefined when the redis-server
 * binary is not installed.
 */
export async function startRedisProcess (): Promise<RedisProcess | undefined> {
  const installed = spawnSync('redis-server', ['--version'], { stdio: 'ignore' })
  if ((installed.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return undefined
  if (installed.error) throw installed.error

  const port = await freePort()
  const url = `redis://127.0.0.1:${port}`
  const dir = mkdtempSync(join(tmpdir(), 'ucc-redis-'))
  const logFile = join(dir, 'redis.log')
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()

  function failure (reason: string): Error {
    let log = ''
    try { log = readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-10).join('\n') } catch { /* no log yet */ }
    return new Error(`redis-server on port ${port} ${reason}${log ? `; its log:\n${log}` : ''}`)
  }

  function spawnRedis (): ChildProcess {
    mkdirSync(dir, { recursive: true })
    dirs.add(dir)
    const started = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--dir', dir, '--logfile', logFile
    ], { stdio: 'ignore' })
    children.add(started)
    exited = new Promise((resolve) => started.once('exit', () => {
      children.delete(started)
      resolve()
    }))
    started.unref() // the test process may exit while it runs; the 'exit' hook kills it
    return started
  }

  async function start (): Promise<void> {
    if (child === undefined || !alive(child)) child = spawnRedis()
    const current = child
    const deadline = Date.now() + START_TIMEOUT_MS
    while (!await redisPing(url)) {
      if (!alive(current)) throw failure(`exited (${current.exitCode ?? current.signalCode}) before answering PING`)
      if (Date.now() > deadline) throw failure(`did not answer PING within ${START_TIMEOUT_MS} ms`)
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

  async function stop (): Promise<void> {
    await kill()
    rmSync(dir, { recursive: true, force: true })
    dirs.delete(dir)
  }

  try {
    await start()
  } catch (error) {
    await stop()
    throw error
  }
  return { port, url, kill, start, stop }
}
