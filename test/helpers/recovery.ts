/** Waiting for a cache to work again after its store's server came back. */
import { setTimeout as sleep } from 'node:timers/promises'
import type { CacheBackend } from 'undici-client-cache'
import type { Answer } from './clients.js'

/** True once, within about 5 s, a response is stored and then served from the cache again. */
export async function hitsAgain (cache: CacheBackend, get: (path: string) => Promise<Answer>): Promise<boolean> {
  for (let attempt = 0; attempt < 50; attempt++) {
    await get('/again')
    await cache.flush()
    if ((await get('/again')).cacheStatus?.hit === true) return true
    await sleep(100)
  }
  return false
}
