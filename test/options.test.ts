/** Item 10: options are checked when the interceptor is built; a wrong value is a TypeError naming the option and the value. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cacheInterceptor, MemoryBackend, SQLiteBackend, type CacheOptions } from 'undici-client-cache'

const bad: Array<[string, unknown, RegExp]> = [
  ['expireAfter: \'soon\'', { expireAfter: 'soon' }, /^expireAfter must be .*; got "soon"$/],
  ['expireAfter: -5', { expireAfter: -5 }, /^expireAfter must be .*; got -5$/],
  ['allowedCodes: [\'200\']', { allowedCodes: ['200'] }, /^allowedCodes must be an array of status codes .*; got \["200"\]$/],
  ['allowedCodes: 200', { allowedCodes: 200 }, /^allowedCodes must be .*; got 200$/],
  ['allowedMethods: \'GET\'', { allowedMethods: 'GET' }, /^allowedMethods must be an array of method names; got "GET"$/],
  ['allowedMethods with a space', { allowedMethods: ['GET POST'] }, /^allowedMethods must be .*"GET POST"/],
  ['maxBodySize: -5', { maxBodySize: -5 }, /^maxBodySize must be .*; got -5$/],
  ['maxBodySize: \'1mb\'', { maxBodySize: '1mb' }, /^maxBodySize must be .*; got "1mb"$/],
  ['an unknown backend object', { cache: { name: 'redis' } }, /^cache must be a CacheBackend .*; got an object \(Object\)$/],
  ['a string backend', { cache: 'sqlite' }, /^cache must be .*; got "sqlite"$/],
  ['includeHeaders: \'yes\'', { includeHeaders: 'yes' }, /^includeHeaders must be true, false or an array of header names; got "yes"$/],
  ['ignoredParams: \'token\'', { ignoredParams: 'token' }, /^ignoredParams must be an array of parameter names; got "token"$/],
  ['cacheControl: \'no\'', { cacheControl: 'no' }, /^cacheControl must be true or false; got "no"$/],
  ['filter: true', { filter: true }, /^filter must be a function; got true$/],
  ['keyFn: \'url\'', { keyFn: 'url' }, /^keyFn must be a function; got "url"$/],
  ['urlsExpireAfter: []', { urlsExpireAfter: [] }, /^urlsExpireAfter must be an object .*; got \[\]$/],
  ['urlsExpireAfter with a bad value', { urlsExpireAfter: { 'a.com': '3 days' } }, /^urlsExpireAfter\["a\.com"\] must be .*; got "3 days"$/],
  ['a misspelt option (expire_after)', { expire_after: 60 }, /^Unknown option expire_after \(known options: cache, expireAfter, /],
  ['options that are not an object', 'fast', /^cacheInterceptor options must be an object; got "fast"$/]
]

for (const [name, options, message] of bad) {
  test(`rejects ${name}`, () => {
    assert.throws(() => cacheInterceptor(options as CacheOptions), (error: Error) => {
      assert.ok(error instanceof TypeError, `${error.name}: ${error.message}`)
      assert.match(error.message, message)
      return true
    })
  })
}

test('the backends check their own options', () => {
  assert.throws(() => new MemoryBackend({ maxEntries: 0 }), /^TypeError: MemoryBackend: maxEntries must be a positive integer or Infinity; got 0$/)
  assert.throws(() => new MemoryBackend({ maxSize: -1 }), /MemoryBackend: maxSize must be .*; got -1$/)
  assert.throws(() => new MemoryBackend({ hotEntries: 1.5 }), /^TypeError: MemoryBackend: hotEntries must be a positive integer or Infinity; got 1.5$/)
  assert.throws(() => new SQLiteBackend(''), /^TypeError: SQLiteBackend: cacheName must be a file path; got $/)
  assert.throws(() => new SQLiteBackend('x', { busyTimeout: -1 }), /SQLiteBackend: busyTimeout must be .*; got -1$/)
  assert.throws(() => new SQLiteBackend('x', { table: 'a; drop table b' }), /SQLiteBackend: table must be a plain SQL identifier/)
})

test('valid options are accepted, defaults included', () => {
  const interceptor = cacheInterceptor({
    expireAfter: '1h30m',
    urlsExpireAfter: { '*.example.com': -1, 'example.com/static': new Date(Date.now() + 1000) },
    allowedCodes: [200, 203, 404],
    allowedMethods: ['get', 'HEAD', 'POST'],
    includeHeaders: ['accept'],
    ignoredParams: ['api_key'],
    cacheControl: false,
    filter: async () => true,
    keyFn: (request) => request.url,
    maxBodySize: Infinity
  })
  assert.equal(typeof interceptor, 'function')
  assert.ok(cacheInterceptor().cache instanceof MemoryBackend)
})
