/** backendFromUrl: which backend each URL form names, with what; a TypeError naming the URL for anything else. */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { backendFromUrl, SQLiteBackend } from 'undici-client-cache'
import { parseBackendUrl, redactUrl } from '#lib/backend-url.js'
import { tempDir } from './helpers/backends.js'

test('sqlite: sqlite:PATH and sqlite:///ABSOLUTE-PATH name the file; a relative path is kept as given', async (t) => {
  const dir = tempDir()
  const backends = [`sqlite:${dir}/a.sqlite`, `sqlite://${dir}/b.sqlite`].map(backendFromUrl)
  t.after(async () => { await Promise.all(backends.map(async (backend) => backend.close())) })
  assert.deepEqual(backends.map((backend) => backend instanceof SQLiteBackend ? backend.path : undefined), [join(dir, 'a.sqlite'), join(dir, 'b.sqlite')])
  assert.deepEqual(parseBackendUrl('sqlite:./http_cache.sqlite'), { kind: 'sqlite', path: './http_cache.sqlite' })
  assert.deepEqual(parseBackendUrl('sqlite:///abs/path.sqlite'), { kind: 'sqlite', path: '/abs/path.sqlite' })
})

test('redis, mongodb and dynamodb URLs: the cache name, and the rest for the client', () => {
  assert.deepEqual(parseBackendUrl('redis://127.0.0.1:6379/0?name=my_cache'), { kind: 'redis', name: 'my_cache', url: 'redis://127.0.0.1:6379/0' })
  assert.deepEqual(parseBackendUrl('rediss://user:pw@redis.example:6380/2?x=1&name=c'), { kind: 'redis', name: 'c', url: 'rediss://user:pw@redis.example:6380/2?x=1' })
  assert.deepEqual(parseBackendUrl('redis://127.0.0.1:6379'), { kind: 'redis', name: 'http_cache', url: 'redis://127.0.0.1:6379' })
  assert.deepEqual(parseBackendUrl('mongodb://127.0.0.1:27017/responses_db'), { kind: 'mongodb', database: 'responses_db', url: 'mongodb://127.0.0.1:27017' })
  assert.deepEqual(parseBackendUrl('mongodb://u:p@a:1,b:2/db?replicaSet=rs'), { kind: 'mongodb', database: 'db', url: 'mongodb://u:p@a:1,b:2/?replicaSet=rs' })
  assert.deepEqual(parseBackendUrl('mongodb+srv://cluster.example'), { kind: 'mongodb', database: 'http_cache', url: 'mongodb+srv://cluster.example' })
  assert.deepEqual(parseBackendUrl('dynamodb://http_cache?endpoint=http://127.0.0.1:8000&region=us-east-1'),
    { kind: 'dynamodb', table: 'http_cache', endpoint: 'http://127.0.0.1:8000', region: 'us-east-1' })
  assert.deepEqual(parseBackendUrl('dynamodb://Responses'), { kind: 'dynamodb', table: 'Responses' })
})

test('anything else is a TypeError naming the URL, its password hidden', () => {
  for (const [url, why] of [
    ['http://example.com/cache', /invalid cache URL "http:\/\/example\.com\/cache": it must be one of: sqlite:\.\/http_cache\.sqlite, redis:\/\//],
    ['./cache.sqlite', /invalid cache URL "\.\/cache\.sqlite": it must be one of/],
    ['sqlite:', /names no file/],
    ['sqlite://host/file.sqlite', /sqlite:\/\/ must be followed by an absolute path/],
    ['redis://user:secret@[bad', /invalid cache URL "redis:\/\/user:\*\*\*@\[bad": it is not a valid URL/],
    ['redis://h/0?name=a*', /invalid cache URL "redis:\/\/h\/0\?name=a\*": RedisBackend: cacheName must be/],
    ['mongodb://', /names no host/],
    ['dynamodb://t?profile=x', /unknown parameter profile/]
  ] as const) {
    assert.throws(() => backendFromUrl(url), (error: unknown) => error instanceof TypeError && why.test(error.message) && !error.message.includes('secret'), url)
  }
  assert.equal(redactUrl('redis://:pw@h:1/0'), 'redis://:***@h:1/0')
})
