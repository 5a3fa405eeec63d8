/** Every example in examples/ runs to completion against its own local server (each checks its own outcome). */
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { needService, services } from './helpers/services.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const examples = readdirSync(join(root, 'examples')).filter((name) => name.endsWith('.mjs')).sort()

test('the examples are found', () => {
  assert.ok(examples.includes('demo.mjs') && examples.includes('operating.mjs'), examples.join(', '))
})

for (const name of examples) {
  test(`examples/${name} runs and exits 0`, async (t) => {
    if (name === 'shared-redis.mjs' && !await needService(t, 'redis')) return
    const env = { ...process.env, REDIS_URL: services.redisUrl }
    const { stdout } = await promisify(execFile)(process.execPath, [join(root, 'examples', name)], { cwd: root, env, timeout: 60_000 })
    assert.notEqual(stdout.trim(), '', 'it prints what it shows')
  })
}
