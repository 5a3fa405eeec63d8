import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cacheInterceptor } from 'undici-client-cache'
import { backendCases } from './helpers/backends.js'
import { consumers } from './helpers/clients.js'
import { startOrigin } from './helpers/origin.js'
import { Agent } from './helpers/undici.js'

for (const backend of backendCases) {
  for (const consumer of consumers) {
    test(`${backend.name} / ${consumer.name}: a repeat request is a hit and the origin counts one`, async (t) => {
      const origin = await startOrigin()
      const interceptor = cacheInterceptor({ cache: backend.make() })
      const dispatcher = new Agent().compose(interceptor)
      t.after(async () => { await interceptor.cache.close(); await dispatcher.close(); await origin.close() })
      const first = await consumer.send(`${origin.url}/item`, { dispatcher })
      const second = await consumer.send(`${origin.url}/item`, { dispatcher })
      assert.equal(origin.count(), 1)
      assert.equal(second.text, first.text)
      assert.equal(first.cacheStatus?.hit, false)
      assert.equal(second.cacheStatus?.hit, true)
    })
  }
}
