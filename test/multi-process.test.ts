/**
 * Several processes share one cache (a SQLite file, a Redis key prefix): concurrent writers, even of the same keys, even
 * while others delete or clear them, never make a request fail or give it a wrong body, and report no store error; what
 * one process stores is a hit in the others. Bodies carry their own checksum (helpers/checked-bodies.ts), so an answer
 * mixed from two responses, cut short, or of another URL is caught.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { WorkerLine, WorkerPlan } from './fixtures/cache-worker.js'
import { checkedRoute, entryIntact } from './helpers/checked-bodies.js'
import { startOrigin } from './helpers/origin.js'
import { needService } from './helpers/services.js'
import { openBackend, sharedCaches, type BackendSpec } from './helpers/shared-caches.js'
import { runWorker, type WorkerRun } from './helpers/workers.js'

/** What a worker's stderr shows when something went wrong: a store error the cache reported, or SQLite's lock error. */
const trouble = /cache error|database is locked/i

type Plan = Omit<WorkerPlan, 'backend' | 'origin'>

/**
 * Runs one worker per plan, all at once. Each must report no trouble, and answer each of its paths once per round, with
 * a 200 and a whole body of its own (and, when `hits`, from the cache); management calls must succeed.
 */
async function together (backend: BackendSpec, origin: string, plans: Plan[], hits = false): Promise<WorkerRun[]> {
  const runs = await Promise.all(plans.map(async (plan) => runWorker({ backend, origin, ...plan })))
  runs.forEach(({ lines, stderr }, w) => {
    const plan = plans[w]!
    assert.doesNotMatch(stderr, trouble, `process ${w} reported a store error: ${stderr}`)
    const answers = lines.filter((line): line is Extract<WorkerLine, { type: 'answer' }> => line.type === 'answer')
    const wrong = [
      ...lines.filter((line) => line.type === 'failed' || (line.type === 'managed' && line.error !== undefined)),
      ...answers.filter((answer) => answer.status !== 200 || !answer.intact || (hits && !answer.hit))
    ]
    assert.deepEqual(wrong, [], `every answer and management call of process ${w} is right${hits ? ', and a hit' : ''}`)
    const rounds = plan.rounds ?? 1
    assert.equal(answers.length, plan.paths.length * rounds, `process ${w} answered every path of every round`)
    if (plan.manage !== undefined) assert.equal(lines.filter((line) => line.type === 'managed').length, rounds)
  })
  return runs
}

/** Every value the cache holds is a whole response of its own URL; none is unreadable. */
async function everyEntryWhole (spec: BackendSpec): Promise<void> {
  const cache = openBackend(spec)
  try {
    for await (const { key } of cache.entries()) {
      const entry = await cache.get(key)
      // (A process may delete it between the listing and the read: then it is gone, not broken.)
      assert.ok(entry === undefined || entryIntact(entry), `the entry ${key} is whole`)
    }
    assert.equal(await cache.deleteExpired(), 0, 'no value in the store is unreadable (or expired)')
  } finally {
    await cache.close()
  }
}

/** Bodies up to a few SQLite pages: many processes at once on two cores, and none of them slow. */
const smallBodies = [0, 100, 5000, 20_000]
const workers = [0, 1, 2]
const own = (w: number): string[] => Array.from({ length: 25 }, (_, i) => `/w${w}/${i}`)
/** The paths every process requests: concurrent writers of the same keys. */
const everyone = Array.from({ length: 10 }, (_, i) => `/everyone/${i}`)
/** The keys the hammering processes fight over. */
const contested = Array.from({ length: 30 }, (_, i) => `/contested/${i}`)

for (const cache of sharedCaches) {
  test(`three processes on ${cache.name}: concurrent writes all succeed, and each one's responses are hits in the others`, async (t) => {
    if (cache.service !== undefined && !await needService(t, cache.service)) return
    const origin = await startOrigin(checkedRoute(smallBodies))
    t.after(() => origin.close())
    const spec = cache.spec()

    await together(spec, origin.url, workers.map((w) => ({ paths: [...own(w), ...everyone] })))
    assert.equal(origin.count('/w'), own(0).length * workers.length, 'each process\'s own paths reached the origin once')
    const shared = origin.count('/everyone/')
    assert.ok(shared >= everyone.length && shared <= everyone.length * workers.length, `the shared paths reached the origin ${shared} times`)

    // Each process now requests the paths another one stored.
    const sent = origin.count()
    await together(spec, origin.url, workers.map((w) => ({ paths: [...own((w + 1) % workers.length), ...everyone] })), true)
    assert.equal(origin.count(), sent, 'the second round sent nothing to the origin')
    await everyEntryWhole(spec)
  })

  test(`three processes hammer the same keys of ${cache.name}, overwriting, deleting by URL and clearing while the others write: every request succeeds with a whole body, and no store error is reported`, async (t) => {
    if (cache.service !== undefined && !await needService(t, cache.service)) return
    const origin = await startOrigin(checkedRoute(smallBodies))
    t.after(() => origin.close())
    const spec = cache.spec()
    const rounds = 5
    await together(spec, origin.url, [
      { paths: contested, rounds, overwrite: true }, // every request overwrites its key
      { paths: contested, rounds, manage: 'delete' }, // reads and writes them, then deletes them all by URL
      { paths: contested, rounds, manage: 'clear' } // reads and writes them, then clears the cache
    ])
    assert.ok(origin.count() >= contested.length * rounds, 'the overwriting process sent every request to the origin')
    await everyEntryWhole(spec)
  })
}
