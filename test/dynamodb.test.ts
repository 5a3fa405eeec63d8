/** DynamoDBBackend: its table, and item expiry without the adapter's six-hour default. (Store faults: store-faults.test.ts.) */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { DynamoDB } from '@aws-sdk/client-dynamodb'
import { DynamoDBBackend } from 'undici-client-cache'
import { dynamoConfig, uniqueName } from './helpers/backends.js'
import { viaRequest } from './helpers/clients.js'
import { needService } from './helpers/services.js'
import { setup } from './helpers/setup.js'

test('cacheName is the table, created when missing; items expire at freshness + keepStaleFor, never-expiring ones never', async (t) => {
  if (!await needService(t, 'dynamodb')) return
  const cacheName = uniqueName()
  const dynamo = new DynamoDB(dynamoConfig)
  t.after(() => dynamo.destroy())
  await assert.rejects(dynamo.describeTable({ TableName: cacheName }), { name: 'ResourceNotFoundException' })
  const { origin, dispatcher, cache } = await setup(t, { cache: new DynamoDBBackend(cacheName, { ...dynamoConfig, keepStaleFor: '10m' }) })

  const before = Date.now()
  await viaRequest.send(`${origin.url}/fresh?cc=max-age=60`, { dispatcher })
  await viaRequest.send(`${origin.url}/forever`, { dispatcher })
  await cache.flush()
  assert.equal((await dynamo.describeTable({ TableName: cacheName })).Table?.TableStatus, 'ACTIVE')
  const items = (await dynamo.scan({ TableName: cacheName })).Items ?? []
  assert.equal(items.length, 2)
  const expiries = items.map((item) => item.expiresAt?.N).sort()
  assert.equal(expiries[1], undefined, 'the never-expiring item has no expiresAt (the adapter alone would give it six hours)')
  const expiry = Number(expiries[0]) * 1000
  assert.ok(expiry >= before + 660_000 - 1000 && expiry <= Date.now() + 661_000, 'expiresAt = 60 s fresh + 10 min kept stale')
})
