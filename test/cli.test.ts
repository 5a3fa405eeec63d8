/**
 * The command-line tool, run as a real child process (`node dist/cli.js`) against caches filled through the real
 * interceptor: SQLite files, and Redis key prefixes when the test server runs.
 */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import { RedisBackend, SQLiteBackend, type CacheBackend, type EntryInfo } from 'undici-client-cache'
import { tempDir, uniqueName } from './helpers/backends.js'
import { viaRequest } from './helpers/clients.js'
import { echo, type Route } from './helpers/origin.js'
import { needService, services, type ServiceName } from './helpers/services.js'
import { setup } from './helpers/setup.js'

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))
/** How long one run may take before the test calls it hung. */
const RUN_TIMEOUT_MS = 20_000

interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** The test process's environment, without what would change the tool's behaviour. */
const baseEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !['UNDICI_CLIENT_CACHE', 'NODE_DEBUG', 'NODE_TEST_CONTEXT'].includes(name)))

/** Runs the tool with `args` (stderr not a terminal); rejects when it has not exited after RUN_TIMEOUT_MS. */
function cli (args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...baseEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`undici-client-cache ${args.join(' ')} still running after ${RUN_TIMEOUT_MS} ms; stderr: ${stderr}`))
    }, RUN_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Asserts a failed run: exit `code`, nothing on stdout, and one error line on stderr matching `message`. */
function assertError (run: CliRun, code: number, message: RegExp): void {
  assert.equal(run.code, code, `exit code; stderr: ${run.stderr}`)
  assert.equal(run.stdout, '')
  assert.match(run.stderr, /^undici-client-cache: [^\n]+\n$/, 'one line on stderr')
  assert.match(run.stderr, message)
  assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace')
}

/** The origin's echo, with an ETag (so `max-age=0` responses are stored, already expired), `?age=` as the Age header, and `/bin` binary. */
const route: Route = (req, res, seen) => {
  res.setHeader('etag', '"v1"')
  const url = new URL(req.url ?? '/', 'http://x')
  const age = url.searchParams.get('age')
  if (age !== null) res.setHeader('age', age)
  if (url.pathname !== '/bin') return echo(req, res, seen)
  res.setHeader('content-type', 'application/octet-stream')
  res.setHeader('cache-control', 'max-age=60')
  res.end(Buffer.from([0, 1, 2, 255]))
}

/** Two fresh entries, one expired, one created two hours ago (fresh for a day), a binary one and a 3000-byte one. */
const PATHS = {
  freshA: '/fresh/a?cc=max-age=60',
  freshB: '/fresh/b?cc=max-age=60',
  expired: '/expired/c?cc=max-age=0',
  old: '/old/d?cc=max-age=86400&age=7200',
  binary: '/bin',
  big: '/big?cc=max-age=60&size=3000'
}

interface Filled {
  /** The cache's URL for the tool. */
  url: string
  /** The same cache, open in this process (for checks after the tool has run). */
  backend: CacheBackend
  /** The URL of a path of the origin, as the cache stores it. */
  at (path: string): string
}

interface CliCase {
  name: string
  service?: ServiceName
  /** A new, empty cache: its URL for the tool, and the backend on it. */
  make (t: TestContext): { url: string, backend: CacheBackend }
}

const cases: CliCase[] = [
  {
    name: 'sqlite',
    make () {
      const path = join(tempDir(), 'http_cache.sqlite')
      return { url: `sqlite:${path}`, backend: new SQLiteBackend(path) }
    }
  },
  {
    name: 'redis',
    service: 'redis',
    make (t) {
      const name = uniqueName()
      const url = new URL(services.redisUrl)
      url.searchParams.set('name', name)
      const backend = new RedisBackend(name, { url: services.redisUrl })
      t.after(async () => { await backend.clear().catch(() => undefined) })
      return { url: url.href, backend }
    }
  }
]

/** Fills a new cache of `cliCase` through the interceptor with `paths`; resolves once every entry is written. */
async function fill (t: TestContext, cliCase: CliCase, paths: string[]): Promise<Filled> {
  const { url, backend } = cliCase.make(t)
  const { origin, dispatcher } = await setup(t, { cache: backend }, route)
  await Promise.all(paths.map(async (path) => viaRequest.send(origin.url + path, { dispatcher })))
  await backend.flush()
  return { url, backend, at: (path) => stored(origin.url + path) }
}

/** A URL as the cache stores it: its query parameters sorted and form-encoded. */
function stored (url: string): string {
  const parsed = new URL(url)
  parsed.search = new URLSearchParams([...parsed.searchParams].sort(([a], [b]) => a < b ? -1 : a > b ? 1 : 0)).toString()
  return parsed.href
}

async function urlsOf (backend: CacheBackend): Promise<string[]> {
  const urls: string[] = []
  for await (const info of backend.entries()) urls.push(info.url)
  return urls.sort()
}

for (const cliCase of cases) {
  const { name } = cliCase
  const ready = async (t: TestContext): Promise<boolean> => cliCase.service === undefined || needService(t, cliCase.service)

  test(`${name}: stats, as text and as JSON; the cache given by --cache, as the first argument, or by UNDICI_CLIENT_CACHE`, async (t) => {
    if (!await ready(t)) return
    const { url } = await fill(t, cliCase, Object.values(PATHS))
    const [text, json, fromEnv] = await Promise.all([
      cli(['--cache', url, 'stats']),
      cli([url, 'stats', '--json']),
      cli(['stats'], { UNDICI_CLIENT_CACHE: url })
    ])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^entries: +6\nexpired: +1\nsize: +\d+(\.\d)? KiB \([\d,]+ bytes\)\n$/)
    assert.equal(fromEnv.stdout, text.stdout)
    const stats = JSON.parse(json.stdout) as Record<string, number>
    assert.deepEqual(Object.keys(stats).sort(), ['bytes', 'entries', 'errors', 'expired', 'hits', 'misses', 'stored'])
    assert.equal(stats.entries, 6)
    assert.equal(stats.expired, 1)
    assert.ok(stats.bytes! > 3000, `${stats.bytes} bytes`)
  })

  test(`${name}: list, as a table by URL, only the expired, only URLs matching a glob, only the older, and as JSON`, async (t) => {
    if (!await ready(t)) return
    const { url, at } = await fill(t, cliCase, Object.values(PATHS))
    const [all, expired, glob, older, json] = await Promise.all([
      cli([url, 'list']),
      cli([url, 'list', '--expired']),
      cli([url, 'list', '--url', '*/fresh/*']),
      cli([url, 'list', '--older-than', '1h']),
      cli([url, 'list', '--json'])
    ])
    assert.equal(all.code, 0, all.stderr)
    const lines = all.stdout.trimEnd().split('\n')
    assert.match(lines[0]!, /^STATUS +METHOD +SIZE +EXPIRES +URL$/)
    assert.equal(lines.length, 1 + 6 + 1)
    assert.match(lines.at(-1)!, /^6 entries, \d+(\.\d)? KiB$/)
    const row = (path: string): string => lines.find((line) => line.endsWith(at(path))) ?? assert.fail(`no row for ${path} in\n${all.stdout}`)
    assert.match(row(PATHS.freshA), /^200 +GET +\d+ B +in \d+s +http/)
    assert.match(row(PATHS.old), / in 2[12]h /)
    assert.match(row(PATHS.expired), / \d+s ago /)

    const listed = (run: CliRun): Array<string | undefined> => run.stdout.trimEnd().split('\n').slice(1, -1).map((line) => line.split(/ +/).at(-1))
    assert.deepEqual(listed(expired), [at(PATHS.expired)])
    assert.match(expired.stdout, /\n1 entry, /)
    assert.deepEqual(listed(glob), [at(PATHS.freshA), at(PATHS.freshB)], 'by URL')
    assert.deepEqual(listed(older), [at(PATHS.old)])

    const infos = JSON.parse(json.stdout) as Array<Record<keyof EntryInfo, unknown>>
    assert.equal(infos.length, 6)
    const old = infos.find((info) => info.url === at(PATHS.old))!
    assert.equal(old.method, 'GET')
    assert.equal(old.status, 200)
    assert.equal(old.expired, false)
    assert.match(old.key as string, /\S/)
    assert.equal(typeof old.size, 'number')
    const createdAt = Date.parse(old.createdAt as string)
    assert.ok(Math.abs(Date.now() - 7_200_000 - createdAt) < 60_000, `createdAt ${String(old.createdAt)}: two hours ago`)
    assert.equal(new Date(createdAt).toISOString(), old.createdAt)
    assert.equal(infos.find((info) => info.url === at(PATHS.expired))?.expired, true)
  })

  test(`${name}: show an entry (text, JSON, binary, a long body); nothing found is exit 1`, async (t) => {
    if (!await ready(t)) return
    const { url, at } = await fill(t, cliCase, Object.values(PATHS))
    const [text, json, binary, big, missing] = await Promise.all([
      cli([url, 'show', at(PATHS.freshA)]),
      cli([url, 'show', '--json', at(PATHS.freshA)]),
      cli([url, 'show', at(PATHS.binary)]),
      cli([url, 'show', '*/big?*']),
      cli([url, 'show', at('/never-fetched')])
    ])
    assert.equal(text.code, 0, text.stderr)
    assert.match(text.stdout, /^200 OK\n/)
    for (const line of [`url: +${at(PATHS.freshA).replace(/[?.]/g, '\\$&')}`, 'method: +GET', 'key: +\\S+', 'created: +\\d{4}-\\d\\d-\\d\\dT\\S+Z \\(\\d+s ago\\)',
      'expires: +\\S+Z \\(in \\d+s\\)', 'size: +\\d+ B as stored', '  content-type: text/plain', '  cache-control: max-age=60', '  etag: "v1"']) {
      assert.match(text.stdout, new RegExp(`^${line}$`, 'm'))
    }
    assert.match(text.stdout, /\nbody \(\d+ bytes\):\nhello GET \/fresh\/a\?cc=max-age=60\n$/)

    const [shown, ...others] = JSON.parse(json.stdout) as Array<Record<string, unknown>>
    assert.equal(others.length, 0)
    assert.equal(shown?.url, at(PATHS.freshA))
    assert.equal(shown?.statusText, 'OK')
    assert.deepEqual((shown?.headers as string[][]).find(([field]) => field === 'etag'), ['etag', '"v1"'])
    assert.deepEqual(shown?.body, { bytes: 32, truncated: false, encoding: 'utf8', preview: 'hello GET /fresh/a?cc=max-age=60' })

    assert.match(binary.stdout, /\nbody: \(binary, 4 bytes\)\n$/)
    assert.match(big.stdout, /\nbody \(the first 1 KiB of 3000 bytes\):\nx{1024}\n…\n$/)
    assertError(missing, 1, /no entry for http:\/\/127\.0\.0\.1:\d+\/never-fetched/)
  })

  test(`${name}: delete by URL and by glob; the entries are gone`, async (t) => {
    if (!await ready(t)) return
    const { url, at, backend } = await fill(t, cliCase, Object.values(PATHS))
    const one = await cli([url, 'delete', at(PATHS.binary)])
    assert.equal(one.code, 0, one.stderr)
    assert.equal(one.stdout, 'deleted 1 entry\n')
    const glob = await cli([url, 'delete', '*/fresh/*'])
    assert.equal(glob.stdout, 'deleted 2 entries\n')
    const none = await cli([url, 'delete', 'https://elsewhere.example/*'])
    assert.equal(none.stdout, 'deleted 0 entries\n')
    assert.equal(await backend.hasUrl(at(PATHS.binary)), false)
    assert.deepEqual(await urlsOf(backend), [at(PATHS.big), at(PATHS.expired), at(PATHS.old)])
  })

  test(`${name}: purge --expired, then --older-than`, async (t) => {
    if (!await ready(t)) return
    const { url, at, backend } = await fill(t, cliCase, Object.values(PATHS))
    const expired = await cli([url, 'purge', '--expired'])
    assert.equal(expired.code, 0, expired.stderr)
    assert.equal(expired.stdout, 'purged 1 entry\n')
    assert.equal(expired.stderr, '', 'no progress shown for a handful of entries')
    assert.equal(await backend.hasUrl(at(PATHS.expired)), false)
    const both = await cli([url, 'purge', '--expired', '--older-than', '1h'])
    assert.equal(both.stdout, 'purged 0 entries\n', 'the old entry is not expired')
    const old = await cli([url, 'purge', '--older-than', '1h'])
    assert.equal(old.stdout, 'purged 1 entry\n')
    assert.deepEqual(await urlsOf(backend), [at(PATHS.big), at(PATHS.binary), at(PATHS.freshA), at(PATHS.freshB)])
  })
}

test('sqlite: a long purge reports its progress on stderr, line by line when stderr is not a terminal', async (t) => {
  const paths = Array.from({ length: 150 }, (_, i) => `/expired/${i}?cc=max-age=0`)
  const { url, backend } = await fill(t, cases[0]!, [...paths, PATHS.freshA])
  const run = await cli([url, 'purge', '--expired'])
  assert.equal(run.code, 0, run.stderr)
  assert.equal(run.stdout, 'purged 150 entries\n')
  assert.doesNotMatch(run.stderr, /\r/)
  const lines = run.stderr.trimEnd().split('\n')
  assert.ok(lines.length >= 2 && lines.length <= 10, `progress lines:\n${run.stderr}`)
  const percents = lines.map((line) => Number(/^purging: (\d+)% \(\d+\/150\)$/.exec(line)?.[1] ?? assert.fail(`a progress line: ${line}`)))
  assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'rising')
  assert.equal(lines.at(-1), 'purging: 100% (150/150)')
  assert.equal((await backend.stats()).entries, 1)
})

test('sqlite: clear refuses without --yes, and empties the cache with it; sqlite:/// URLs', async (t) => {
  const { url, backend } = await fill(t, cases[0]!, [PATHS.freshA, PATHS.expired])
  const refused = await cli([url, 'clear'])
  assertError(refused, 2, /--yes/)
  assert.equal((await backend.stats()).entries, 2)
  const cleared = await cli([url.replace('sqlite:', 'sqlite://'), 'clear', '--yes'])
  assert.equal(cleared.code, 0, cleared.stderr)
  assert.match(cleared.stdout, /^cleared sqlite:/)
  assert.equal((await backend.stats()).entries, 0)
})

test('usage: --help, no command, an unknown command or option, wrong operands or options, a bad or missing cache URL, a SQLite file that does not exist', async () => {
  const file = join(tempDir(), 'absent.sqlite')
  const [help, bare, unknown, option, badUrl, noCache, absent, extra, noOperand, wrongOption, badAge, noCondition] = await Promise.all([
    cli(['--help']),
    cli([]),
    cli(['--cache', `sqlite:${file}`, 'frobnicate']),
    cli(['--cache', `sqlite:${file}`, 'list', '--frobnicate']),
    cli(['--cache', 'http://127.0.0.1/cache', 'stats']),
    cli(['stats']),
    cli([`sqlite:${file}`, 'stats']),
    cli([`sqlite:${file}`, 'stats', 'extra']),
    cli([`sqlite:${file}`, 'show']),
    cli([`sqlite:${file}`, 'delete', '--json', 'http://x/']),
    cli([`sqlite:${file}`, 'purge', '--older-than', 'a while']),
    cli([`sqlite:${file}`, 'purge'])
  ])
  assert.equal(help.code, 0)
  assert.match(help.stdout, /^Usage: undici-client-cache \[--cache URL \| URL\] COMMAND/)
  for (const command of ['stats', 'list', 'show', 'delete', 'purge', 'clear']) assert.match(help.stdout, new RegExp(`^  ${command}\\b`, 'm'))
  assert.equal(bare.code, 2)
  assert.equal(bare.stdout, help.stdout)
  assertError(unknown, 2, /unknown command "frobnicate" \(commands: stats, list, show, delete, purge, clear\)/)
  assertError(option, 2, /unknown option --frobnicate/)
  assertError(badUrl, 2, /invalid cache URL "http:\/\/127\.0\.0\.1\/cache": it must be one of: sqlite:/)
  assertError(noCache, 2, /no cache given/)
  assertError(absent, 1, /no cache at .*absent\.sqlite: the file does not exist/)
  assertError(extra, 2, /stats takes no arguments/)
  assertError(noOperand, 2, /show needs a URL or GLOB/)
  assertError(wrongOption, 2, /delete does not take --json/)
  assertError(badAge, 2, /--older-than takes a duration .*; got "a while"/)
  assertError(noCondition, 2, /purge needs --expired, --older-than AGE, or both/)
})

test('an unreachable Redis: one error line, exit 1, promptly', async () => {
  const started = Date.now()
  const run = await cli(['redis://127.0.0.1:1/0?name=nowhere', 'stats'])
  assertError(run, 1, /^undici-client-cache: redis:\/\/127\.0\.0\.1:1\/0\?name=nowhere: \S/)
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`)
})
