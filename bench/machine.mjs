// What the figures were measured on.
import { execFileSync } from 'node:child_process'
import { createRequire } from 'node:module'
import os from 'node:os'

const require = createRequire(import.meta.url)

/** The commit of the package under test, when it is a git checkout; `+ changes` when lib/ differs from it. */
function commit () {
  try {
    const cwd = new URL('..', import.meta.url)
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== ''
    return dirty ? `${head} + uncommitted changes in lib/` : head
  } catch {
    return undefined
  }
}

export function machine () {
  const cpus = os.cpus()
  return {
    date: new Date().toISOString(),
    node: process.version,
    undici: require('undici/package.json').version,
    package: `${require('../package.json').name} ${require('../package.json').version}`,
    commit: commit(),
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memory: os.totalmem(),
    loadAverage: os.loadavg()
  }
}
