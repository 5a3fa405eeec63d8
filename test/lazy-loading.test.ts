/**
 * A user who installs only this package (with its dependencies, and undici) can import it and cache with
 * MemoryBackend: importing it loads no optional store package. Each other backend, constructed without its store
 * package, names the package and how to install it. Checked for real: a child process in a directory that holds
 * nothing else (not even sqlite3, an optional dependency: as after `npm install --omit=optional`, or when its
 * native build failed).
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'node:test'
import { tempDir } from './helpers/backends.js'
import { startOrigin } from './helpers/origin.js'

/** The repo (this file runs as build-test/test/lazy-loading.test.js). */
const root = fileURLToPath(new URL('../../', import.meta.url))

/** Each backend that needs an optional package, and the package. */
const optional: Record<string, string> = {
  SQLiteBackend: 'sqlite3',
  RedisBackend: '@keyv/redis',
  MongoDBBackend: '@keyv/mongo',
  DynamoDBBackend: '@keyv/dynamo'
}

/** Requests the URL twice through a MemoryBackend cache, then constructs each backend of `optional`. */
const script = `
import * as ucc from 'undici-client-cache'
import { Agent, request } from 'undici'

const interceptor = ucc.cacheInterceptor({ cache: new ucc.MemoryBackend() })
const dispatcher = new Agent().compose(interceptor)
const answers = []
for (let i = 0; i < 2; i++) {
  const res = await request(process.argv[2], { dispatcher })
  answers.push({ body: await res.body.text(), hit: ucc.parseCacheStatus(res.headers)?.hit ?? false })
}
await interceptor.cache.close()
await dispatcher.close()

const errors = {}
for (const name of ${JSON.stringify(Object.keys(optional))}) {
  try {
    new ucc[name]()
    errors[name] = 'constructed'
  } catch (error) {
    errors[name] = error.message
  }
}
// (Exits even when a backend was constructed after all, and keeps connecting to its server.)
process.stdout.write(JSON.stringify({ answers, errors }) + '\\n', () => process.exit())
`

interface ChildReport {
  answers: Array<{ body: string, hit: boolean }>
  errors: Record<string, string>
}

/** The run-time dependencies named in the package.json of `dir`. */
function dependencies (dir: string): string[] {
  return Object.keys((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: object }).dependencies ?? {})
}

/** `names` and, recursively, the packages they depend on at run time, as installed in the repo. */
function withDependencies (names: string[], found = new Set<string>()): Set<string> {
  for (const name of names) {
    if (found.has(name)) continue
    found.add(name)
    withDependencies(dependencies(join(root, 'node_modules', name)), found)
  }
  return found
}

/**
 * A project directory with this package installed as a copy of dist/ (a symlink would resolve to the repo, where
 * every optional package is installed); its dependencies, and the undici under test as `undici`, as links to the repo's.
 */
function minimalInstall (): string {
  const project = tempDir()
  const modules = join(project, 'node_modules')
  const own = join(modules, 'undici-client-cache')
  mkdirSync(own, { recursive: true })
  cpSync(join(root, 'dist'), join(own, 'dist'), { recursive: true })
  cpSync(join(root, 'package.json'), join(own, 'package.json'))
  const links = new Map([...withDependencies(dependencies(root))].map((name) => [name, name]))
  links.set('undici', process.env.UNDICI_PACKAGE ?? 'undici')
  for (const [name, installed] of links) {
    mkdirSync(dirname(join(modules, name)), { recursive: true })
    symlinkSync(join(root, 'node_modules', installed), join(modules, name), 'dir')
  }
  writeFileSync(join(project, 'main.mjs'), script)
  return project
}

test('with only the package, keyv and undici installed: MemoryBackend caches, and each other backend names its missing package', async (t) => {
  const origin = await startOrigin()
  t.after(() => origin.close())
  const project = minimalInstall()
  // (NODE_PATH could name a folder where the optional packages are installed.)
  const env = { ...process.env, NODE_PATH: undefined }
  const { stdout } = await promisify(execFile)(process.execPath, [join(project, 'main.mjs'), `${origin.url}/lazy`], { cwd: project, env })
  const report = JSON.parse(stdout) as ChildReport

  assert.deepEqual(report.answers, [{ body: 'hello GET /lazy', hit: false }, { body: 'hello GET /lazy', hit: true }])
  assert.equal(origin.count(), 1, 'the second request was answered from the memory cache')
  for (const [backend, pkg] of Object.entries(optional)) {
    const message = report.errors[backend] ?? ''
    assert.ok(message.includes(`"${pkg}"`) && message.includes(`npm install ${pkg}`), `${backend} names ${pkg} and how to install it: ${message}`)
  }
})
