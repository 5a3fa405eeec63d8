/**
 * What a test of store faults watches while the store misbehaves: the errors the cache reports, the process's unhandled
 * rejections and listener-leak warnings, its heap and its timers; and a load of concurrent requests to put on it.
 */
import assert from 'node:assert/strict'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { TestContext } from 'node:test'
import { CHANNEL_NAMES, type ErrorMessage } from 'undici-client-cache'
import type { Answer } from './clients.js'

export interface Watch {
  /** What was published on `undici-client-cache:error` since the watch began. */
  readonly errors: ErrorMessage[]
  /** Promise rejections nobody handled. */
  readonly unhandled: unknown[]
  /** `MaxListenersExceededWarning`s (an event emitter given ever more listeners). */
  readonly leaks: Error[]
  /** Asserts that nothing was left unhandled and no emitter leaked listeners. */
  assertClean (): void
}

/** Watches the process until the test ends. */
export function watchFaults (t: TestContext): Watch {
  const watch: Watch = {
    errors: [],
    unhandled: [],
    leaks: [],
    assertClean () {
      assert.deepEqual(watch.unhandled, [], 'no unhandled rejection')
      assert.deepEqual(watch.leaks, [], 'no MaxListenersExceededWarning')
    }
  }
  const onError = (message: unknown): void => { watch.errors.push(message as ErrorMessage) }
  const onRejection = (reason: unknown): void => { watch.unhandled.push(reason) }
  const onWarning = (warning: Error): void => { if (warning.name === 'MaxListenersExceededWarning') watch.leaks.push(warning) }
  subscribe(CHANNEL_NAMES.error, onError)
  process.on('unhandledRejection', onRejection)
  process.on('warning', onWarning)
  t.after(() => {
    unsubscribe(CHANNEL_NAMES.error, onError)
    process.off('unhandledRejection', onRejection)
    process.off('warning', onWarning)
  })
  return watch
}

/**
 * The heap in use after full garbage collections (bytes). Needs `node --expose-gc` (which `npm test` passes on to every
 * test file): switching the flag on at run time is undefined behaviour in V8.
 */
export function heapAfterGc (): number {
  const gc = (globalThis as { gc?: () => void }).gc
  if (gc === undefined) throw new Error('heapAfterGc needs node --expose-gc (npm test runs the tests with it)')
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** How many timers the process has pending. */
export function pendingTimers (): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length
}

/** True when `operation` settles (resolves or rejects) within `ms`. */
export async function settlesWithin (operation: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => { timer = setTimeout(resolve, ms, false) })
  try {
    return await Promise.race([operation.then(() => true, () => true), late])
  } finally {
    clearTimeout(timer)
  }
}

export interface Load {
  answers: Answer[]
  /** How long the whole load took (ms). */
  elapsed: number
}

/** Sends `count` requests for `path(i)`, `concurrency` at a time. */
export async function load (get: (path: string) => Promise<Answer>, count: number, path: (i: number) => string, concurrency = 20): Promise<Load> {
  const answers: Answer[] = []
  let next = 0
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      const i = next++
      answers[i] = await get(path(i))
    }
  }))
  return { answers, elapsed: performance.now() - started }
}
