/**
 * Several processes share one cache (a SQLite file, a Redis key prefix): concurrent writers, even of the same keys,
 * never fail, and what one process stores is a hit in the others.
 */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'node:test'
import type { BackendSpec, WorkerAnswer } from './fixtures/cache-worker.js'
import { tempDir, uniqueName } from './helpers/backends.js'
import { startOrigin } from './helpers/origin.js'
import { needService, services, type ServiceName } from './helpers/services.js'

const worker = fileURLToPath(new URL('./fixtures/cache-worker.js', import.meta.url))

/** What a worker's stderr shows when something went wrong: a store error the cache reported, or SQLite's lock error. */
const trouble = /cache error|database is locked/i

interface WorkerRun { answers: WorkerAnswer[], stderr: string }

async function runWorker (spec: BackendSpec, origin: string, paths: string[]): Promise<WorkerRun> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [worker, JSON.stringify(spec), origin, ...paths])
  return { answers: stdout.trim().split('\n').map((line) => JSON.parse(line) as WorkerAnswer), stderr }
}

/**
 * Runs one worker per list of paths, all at once. Each must report no trouble and answer every one of its paths with
 * a 200 and the expected body, and, when `hits`, from the cache.
 */
async function round (spec: BackendSpec, origin: string, pathsOfWorkers: string[][], hits: boolean): Promise<void> {
  const runs = await Promise.all(pathsOfWorkers.map(async (paths) => runWorker(spec, origin, paths)))
  runs.forEach(({ answers, stderr }, w) => {
    assert.doesNotMatch(stderr, trouble)
    const answered = new Set(answers.map((answer) => answer.path))
    const wrong = [
      ...answers.filter((answer) => answer.status !== 200 || !answer.bodyOk || (hits && !answer.hit)),
      ...pathsOfWorkers[w]!.filter((path) => !answered.has(path)).map((path) => ({ path, unanswered: true }))
    ]
    assert.deepEqual(wrong, [], `every answer of process ${w} is right${hits ? ' and a hit' : ''}`)
  })
}

interface SharedCache {
  name: string
  service?: ServiceName
  spec (): BackendSpec
}

const sharedCaches: SharedCache[] = [
  { name: 'one SQLite file', spec: () => ({ kind: 'sqlite', file: join(tempDir(), 'shared.sqlite') }) },
  { name: 'one Redis key prefix', service: 'redis', spec: () => ({ kind: 'redis', url: services.redisUrl, cacheName: uniqueName() }) }
]

const workers = [0, 1, 2]
const own = (w: number): string[] => Array.from({ length: 25 }, (_, i) => `/w${w}/${i}`)
/** The paths every process requests: concurrent writers of the same keys. */
const everyone = Array.from({ length: 10 }, (_, i) => `/everyone/${i}`)

for (const cache of sharedCaches) {
  test(`three processes on ${cache.name}: concurrent writes all succeed, and each one's responses are hits in the others`, async (t) => {
    if (cache.service !== undefined && !await needService(t, cache.service)) return
    const origin = await startOrigin()
    t.after(() => origin.close())
    const spec = cache.spec()

    await round(spec, origin.url, workers.map((w) => [...own(w), ...everyone]), false)
    assert.equal(origin.count('/w'), own(0).length * workers.length, 'each process\'s own paths reached the origin once')
    const shared = origin.count('/everyone/')
    assert.ok(shared >= everyone.length && shared <= everyone.length * workers.length, `the shared paths reached the origin ${shared} times`)

    // Each process now requests the paths another one stored.
    const sent = origin.count()
    await round(spec, origin.url, workers.map((w) => [...own((w + 1) % workers.length), ...everyone]), true)
    assert.equal(origin.count(), sent, 'the second round sent nothing to the origin')
  })
}
