// The soak test: `npm run soak` (node bench/soak.mjs [--requests=N] [--clients=N] [--only=memory,sqlite,…]).
// 200 concurrent clients send 40,000 requests through each backend to a local origin, over 500 URLs (100 of them expiring
// every second, 1 % DELETEs that invalidate), while the store is disrupted a tenth of the way in: the server of Redis,
// MongoDB (CongoDB) and DynamoDB (dynalite) killed (and restarted a fifth of the way in); the SQLite file cleared by
// another process; the memory backend cleared. Every answer is checked (status and body); the run fails (exit 1) when one is
// wrong or a request fails. Progress goes to stderr; the table to stdout and bench/results/soak.md.
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import v8 from 'node:v8'
import vm from 'node:vm'
import { Agent } from 'undici'
import { cacheInterceptor, DynamoDBBackend, MemoryBackend, MongoDBBackend, RedisBackend, SQLiteBackend } from 'undici-client-cache'
import { removeSqliteFiles, tempSqlitePath } from './configs.mjs'
import * as f from './format.mjs'
import { machine } from './machine.mjs'
import { startOrigin } from './origin.mjs'
import { soak, URLS } from './soak-load.mjs'
import { startServer } from './soak-servers.mjs'
import { percentiles } from './stats.mjs'

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url))
const dynamo = { region: 'us-east-1', credentials: { accessKeyId: 'soak', secretAccessKey: 'soak' } }

/** A server killed a tenth of the way in, and started again a fifth of the way in. */
const restarted = (server) => [
  { at: 1 / 10, label: 'killed', run: () => server.kill() },
  { at: 2 / 10, label: 'restarted', run: () => server.start() }
]

/**
 * The backends: `make(server)` the backend; `events(cache, server)` what disrupts its store; `server` the kind of
 * server it needs (started by the soak), if any.
 */
const BACKENDS = [
  {
    id: 'memory',
    name: 'MemoryBackend',
    disruption: '`clear()` at 1/10',
    make: () => new MemoryBackend(),
    events: (cache) => [{ at: 1 / 10, label: 'clear()', run: () => cache.clear() }]
  },
  {
    id: 'sqlite',
    name: 'SQLiteBackend',
    disruption: 'another process clears the file at 1/10',
    make: () => new SQLiteBackend(tempSqlitePath('soak')),
    events: (cache) => [{ at: 1 / 10, label: 'cleared by another process', run: () => promisify(execFile)(process.execPath, [cli, `sqlite:${cache.path}`, 'clear', '--yes']) }],
    cleanup: (cache) => removeSqliteFiles(cache.path)
  },
  {
    id: 'redis',
    name: 'RedisBackend',
    server: 'redis',
    disruption: 'server killed at 1/10, restarted at 2/10',
    make: (server) => new RedisBackend('soak', { url: `redis://127.0.0.1:${server.port}` }),
    events: (_cache, server) => restarted(server)
  },
  {
    id: 'mongodb',
    name: 'MongoDBBackend (CongoDB)',
    server: 'mongodb',
    disruption: 'server killed at 1/10, restarted at 2/10',
    // (CongoDB does not keep up the driver's streaming heartbeat: it ends the stream, and the driver then fails the
    // operations in flight. Polling, which real MongoDB servers also support, avoids that.)
    make: (server) => new MongoDBBackend('soak', { url: `mongodb://127.0.0.1:${server.port}`, serverMonitoringMode: 'poll' }),
    events: (_cache, server) => restarted(server)
  },
  {
    id: 'dynamodb',
    name: 'DynamoDBBackend (dynalite)',
    server: 'dynamodb',
    disruption: 'server killed at 1/10, restarted at 2/10',
    make: (server) => new DynamoDBBackend('soak', { ...dynamo, endpoint: `http://127.0.0.1:${server.port}` }),
    events: (_cache, server) => restarted(server)
  }
]

/**
 * The full run. (40,000 requests, so that the run outlasts a restarted store's recovery: requests are quick while the
 * store is away, and CongoDB takes a few seconds to serve 200 clients again.)
 */
const DEFAULTS = { requests: 40_000, clients: 200 }

function parseArgs (argv) {
  const args = { ...DEFAULTS, only: BACKENDS.map(({ id }) => id) }
  for (const arg of argv) {
    const [name, value] = arg.split('=')
    if (name === '--requests' || name === '--clients') {
      const n = Number(value)
      if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number greater than 0; got ${value}`)
      args[name.slice(2)] = n
    } else if (name === '--only' && value) {
      args.only = value.split(',')
      const unknown = args.only.filter((id) => !BACKENDS.some((backend) => backend.id === id))
      if (unknown.length > 0) throw new Error(`unknown backend ${unknown.join(', ')}; backends: ${BACKENDS.map(({ id }) => id).join(', ')}`)
    } else {
      throw new Error(`unknown argument ${arg}; use --requests=N, --clients=N, --only=${BACKENDS.map(({ id }) => id).join(',')}`)
    }
  }
  return args
}

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc')
function memory () {
  gc()
  const { rss, heapUsed } = process.memoryUsage()
  return { rss, heapUsed }
}

const began = Date.now()
const log = (message) => process.stderr.write(`[${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s] ${message}\n`)

/** One backend's soak: its row of the table. */
async function run (backend, origin, { requests, clients }) {
  let server
  if (backend.server !== undefined) {
    server = await startServer(backend.server)
    if (server.skipped) return { backend, skipped: server.skipped }
  }
  const cache = backend.make(server)
  const dispatcher = new Agent().compose(cacheInterceptor({ cache, cacheControl: false, expireAfter: '1h', urlsExpireAfter: { '*/short/*': '1s' } }))
  try {
    await cache.keyv // (open: a DynamoDB table created)
    const start = memory()
    const sentBefore = await origin.count()
    log(`${backend.name}: ${requests.toLocaleString('en')} requests from ${clients} clients; ${backend.disruption}`)
    const result = await soak({ dispatcher, origin: origin.url, requests, clients, events: backend.events(cache, server) })
    await cache.flush()
    const end = memory()
    const fromOrigin = await origin.count() - sentBefore
    for (const failure of result.eventFailures) log(`${backend.name}: the disruption failed: ${failure}`)
    for (const { method, path, error } of result.errors.slice(0, 5)) log(`${backend.name}: ${method} ${path} failed: ${error}`)
    return { backend, requests, ...result, start, end, fromOrigin, storeErrors: cache.counters.errors }
  } finally {
    await dispatcher.close()
    await cache.close()
    await backend.cleanup?.(cache)
    await server?.stop()
  }
}

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`

/** The share of GETs answered from the cache among those of `hit` (see soak-load.mjs). */
function hitRatio (hit) {
  let gets = 0
  let hits = 0
  for (const value of hit) {
    if (value >= 0) gets++
    if (value === 1) hits++
  }
  return gets === 0 ? NaN : hits / gets
}

const percent = (value) => Number.isFinite(value) ? `${Math.round(100 * value)} %` : '—'

function row (r) {
  if (r.skipped) return [r.backend.name, r.backend.disruption, `skipped: ${r.skipped}`, '', '', '', '', '', '', '', '', '']
  const tenth = Math.ceil(r.requests / 10)
  const tenths = Array.from({ length: 10 }, (_, i) => Math.round(100 * hitRatio(r.hit.subarray(i * tenth, (i + 1) * tenth))))
  const [p50, p99] = percentiles(r.latencies, [50, 99])
  return [
    r.backend.name,
    r.backend.disruption,
    f.count(r.requests - r.errors.length),
    `**${f.count(r.errors.length)}**`,
    percent(hitRatio(r.hit)),
    tenths.join(' '),
    f.micros(p50 * 1000),
    f.micros(p99 * 1000),
    f.count(r.storeErrors),
    `${mib(r.start.rss)} → ${mib(r.end.rss)}`,
    `${mib(r.start.heapUsed)} → ${mib(r.end.heapUsed)}`,
    `${r.seconds.toFixed(1)} s`
  ]
}

function report (rows, args, seconds) {
  const m = machine()
  return [
    '# Soak test',
    '',
    `- **Date**: ${m.date}; **Node** ${m.node}, **undici** ${m.undici}, ${m.package}${m.commit ? ` (commit ${m.commit})` : ''}`,
    `- **Machine**: ${m.os}, ${m.cpu}, ${m.cores} cores; took ${Math.round(seconds)} s`,
    `- **Run**: \`npm run soak${args.requests === DEFAULTS.requests && args.clients === DEFAULTS.clients ? '' : ` -- --requests=${args.requests} --clients=${args.clients}`}\`: ${args.clients} concurrent clients (\`undici.request\`), ${f.count(args.requests)} requests per backend to an origin on 127.0.0.1 (1 KiB bodies), over ${URLS.long + URLS.short} URLs: ${URLS.long} cached for an hour, ${URLS.short} for one second, and 1 % DELETEs that invalidate their URL. Every answer's status and body are checked. Backends with their default options (MongoDB's driver polls its server: CongoDB does not keep up the streaming heartbeat).`,
    '',
    f.table(['backend', 'store disruption', 'served', 'errors', 'hit ratio', 'hit % by tenths of the run', 'p50', 'p99', 'store errors absorbed', 'RSS start → end', 'heap start → end', 'time'], rows.map(row),
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']),
    '',
    '"Served" counts the requests answered with the right status and body; "errors" those that failed or got a wrong',
    'answer. "Store errors absorbed" counts the store operations that failed or timed out (each published on the',
    '`undici-client-cache:error` channel); the requests concerned went to the origin. The hit ratio by tenths shows the',
    'dip when the store goes away and the recovery, by itself, once it is back (a restarted Redis or CongoDB is empty:',
    'its entries are fetched and stored again). Latencies are those of 200 requests in flight at once. RSS and heap',
    'are the whole process\'s (the backends run one after another in one process), after a full garbage collection.',
    ''
  ].join('\n')
}

const args = parseArgs(process.argv.slice(2))
const origin = await startOrigin()
const rows = []
try {
  for (const backend of BACKENDS.filter(({ id }) => args.only.includes(id))) {
    const result = await run(backend, origin, args)
    if (result.skipped) log(`${backend.name}: skipped: ${result.skipped}`)
    rows.push(result)
  }
} finally {
  await origin.close()
}
const markdown = report(rows, args, (Date.now() - began) / 1000)
process.stdout.write(markdown)
const full = args.requests === DEFAULTS.requests && args.clients === DEFAULTS.clients && BACKENDS.every(({ id }) => args.only.includes(id))
if (full) await writeFile(new URL('./results/soak.md', import.meta.url), markdown)
else log('not a full run (other --requests, --clients or --only): bench/results/soak.md left as it is')
const failed = rows.filter((r) => !r.skipped && (r.errors.length > 0 || r.eventFailures.length > 0))
if (failed.length > 0) {
  log(`FAILED: ${failed.map((r) => `${r.backend.name} (${r.errors.length} failed requests${r.eventFailures.length > 0 ? ', its disruption failed' : ''})`).join('; ')}`)
  process.exitCode = 1
}
