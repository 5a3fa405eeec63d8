/** Several processes share one SQLite file: what one stores is a hit in the others, and concurrent writers never fail. */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'node:test'
import { tempDir } from './helpers/backends.js'
import { startOrigin } from './helpers/origin.js'

const worker = fileURLToPath(new URL('./fixtures/sqlite-worker.js', import.meta.url))

interface WorkerAnswer { path: string, status: number, hit: boolean }

async function runWorker (file: string, origin: string, paths: string[]): Promise<WorkerAnswer[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [worker, file, origin, ...paths], { env: process.env })
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as WorkerAnswer)
}

test('three processes on one SQLite file: concurrent writes all succeed, and each one\'s responses are hits in the others', async (t) => {
  const origin = await startOrigin()
  t.after(() => origin.close())
  const file = join(tempDir(), 'shared.sqlite')
  const own = (w: number): string[] => Array.from({ length: 25 }, (_, i) => `/w${w}/${i}`)

  const first = await Promise.all([0, 1, 2].map(async (w) => runWorker(file, origin.url, [...own(w), '/everyone'])))
  assert.ok(first.flat().every((answer) => answer.status === 200), 'every request of every process succeeded')
  const sent = origin.count()
  assert.equal(origin.count('/w'), 75)

  const second = await Promise.all([0, 1, 2].map(async (w) => runWorker(file, origin.url, [...own((w + 1) % 3), '/everyone'])))
  assert.ok(second.flat().every((answer) => answer.status === 200 && answer.hit), 'every response stored by another process is a hit')
  assert.equal(origin.count(), sent, 'the second round sent nothing to the origin')
})
