/** Waiting for a store adapter to open, when it reports failure only as an `error` event. */
import type { EventEmitter } from 'node:events'

/** Resolves when `ready` does; rejects with the first `error` the adapter emits before that. */
export async function readyOrFailed (adapter: Pick<EventEmitter, 'once' | 'off'>, ready: Promise<unknown>): Promise<void> {
  let onError: ((error: unknown) => void) | undefined
  try {
    await Promise.race([ready, new Promise((_resolve, reject) => { onError = reject; adapter.once('error', reject) })])
  } finally {
    if (onError) adapter.off('error', onError)
  }
}
