/** Waiting on a store adapter that reports some failures only as an `error` event (opening, clearing). */
import type { EventEmitter } from 'node:events'

/** (`on`, not `once`: some adapters' event emitters wrap `once` listeners, and `off` then cannot remove them.) */
export type ErrorEmitter = Pick<EventEmitter, 'on' | 'off'>

/** Resolves when `operation` does; rejects with the first `error` the adapter emits before that. */
export async function doneOrFailed (adapter: ErrorEmitter, operation: Promise<unknown>): Promise<void> {
  let onError: ((error: unknown) => void) | undefined
  try {
    await Promise.race([operation, new Promise((_resolve, reject) => { onError = reject; adapter.on('error', reject) })])
  } finally {
    if (onError) adapter.off('error', onError)
  }
}

/**
 * What `open` will return, opened only once `start()` is called: a backend hands the promise to its base class and
 * starts it after the base class has checked the options, so that a bad option opens no file or connection.
 */
export function openedLater<T> (open: () => Promise<T>): { opened: Promise<T>, start: () => void } {
  let start!: () => void
  const opened = new Promise<void>((resolve) => { start = resolve }).then(open)
  return { opened, start }
}
