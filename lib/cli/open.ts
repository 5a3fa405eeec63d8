/** Opening the cache a URL names for one command, and closing it whatever happens. */
import { existsSync } from 'node:fs'
import { setTimeout as delay } from 'node:timers/promises'
import { backendFromUrl, parseBackendUrl, redactUrl } from '../backend-url.js'
import { sqlitePath } from '../backends/sqlite.js'
import type { CacheBackend } from '../index.js'
import { Failure, messageOf, UsageError } from './io.js'

/** How long closing the store may take before the tool gives up on it and exits anyway. */
const CLOSE_TIMEOUT_MS = 3000

/** The backend of `url`; a UsageError when the URL is bad, a Failure when it names a SQLite file that does not exist. */
function open (url: string): CacheBackend {
  try {
    const spec = parseBackendUrl(url)
    // (SQLiteBackend would create the file: a mistyped path would be an empty cache.)
    if (spec.kind === 'sqlite' && spec.path !== ':memory:' && !existsSync(sqlitePath(spec.path))) {
      throw new Failure(`no cache at ${sqlitePath(spec.path)}: the file does not exist`)
    }
    return backendFromUrl(url)
  } catch (error) {
    throw error instanceof TypeError ? new UsageError(error.message) : error
  }
}

async function close (backend: CacheBackend): Promise<void> {
  await Promise.race([backend.close().catch(() => undefined), delay(CLOSE_TIMEOUT_MS, undefined, { ref: false })])
}

/**
 * Runs `work` on the cache of `url`, then closes it. A store that fails rejects with a Failure naming the cache (its
 * password hidden).
 */
export async function withCache (url: string, work: (backend: CacheBackend) => Promise<void>): Promise<void> {
  const backend = open(url)
  try {
    await work(backend)
  } catch (error) {
    if (error instanceof Failure || error instanceof UsageError) throw error
    throw new Failure(`${redactUrl(url)}: ${messageOf(error)}`)
  } finally {
    await close(backend)
  }
}
