/** One test's world: an origin, an interceptor over a backend, and an Agent composed with it; all closed after the test. */
import type { TestContext } from 'node:test'
import { cacheInterceptor, type CacheBackend, type CacheInterceptor, type CacheOptions } from 'undici-client-cache'
import type { Dispatcher } from 'undici'
import { startOrigin, type Origin, type Route } from './origin.js'
import { Agent } from './undici.js'

export interface World {
  origin: Origin
  interceptor: CacheInterceptor
  cache: CacheBackend
  dispatcher: Dispatcher
}

export async function setup (t: TestContext, options: CacheOptions = {}, route?: Route): Promise<World> {
  const origin = await startOrigin(route)
  const interceptor = cacheInterceptor(options)
  const dispatcher = new Agent().compose(interceptor)
  t.after(async () => {
    await Promise.allSettled([interceptor.cache.close(), dispatcher.close(), origin.close()])
  })
  return { origin, interceptor, cache: interceptor.cache, dispatcher }
}
