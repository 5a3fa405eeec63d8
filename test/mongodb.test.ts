/** MongoDBBackend: the database and its TTL index. (Store faults: store-faults.test.ts.) */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { MongoClient } from 'mongodb'
import { MongoDBBackend } from 'undici-client-cache'
import { uniqueName } from './helpers/backends.js'
import { viaRequest } from './helpers/clients.js'
import { needService, services } from './helpers/services.js'
import { setup } from './helpers/setup.js'

test('cacheName is the database; a TTL index expires documents at freshness + keepStaleFor; never-expiring ones have no expiry', async (t) => {
  if (!await needService(t, 'mongodb')) return
  const cacheName = uniqueName()
  const { origin, dispatcher, cache } = await setup(t, { cache: new MongoDBBackend(cacheName, { url: services.mongoUrl, keepStaleFor: '10m' }) })
  const mongo = new MongoClient(services.mongoUrl)
  t.after(async () => { await mongo.close() })

  const before = Date.now()
  await viaRequest.send(`${origin.url}/fresh?cc=max-age=60`, { dispatcher })
  await viaRequest.send(`${origin.url}/forever`, { dispatcher })
  await cache.flush()
  const responses = mongo.db(cacheName).collection('responses')
  const ttlIndex = (await responses.listIndexes().toArray()).find((index) => index.key?.expiresAt === 1)
  assert.equal(ttlIndex?.expireAfterSeconds, 0)
  const expiries = (await responses.find().toArray()).map((document) => document.expiresAt as Date | null)
  assert.equal(expiries.length, 2)
  assert.equal(expiries.filter((expiry) => expiry === null).length, 1, 'the never-expiring entry has no expiry')
  const expiry = expiries.find((value) => value !== null)!.getTime()
  assert.ok(expiry >= before + 660_000 - 1000 && expiry <= Date.now() + 660_000, 'expiry = 60 s fresh + 10 min kept stale')
})
