/**
 * The two gates every change an interceptor makes to its backend passes through. Storing: an entry, the index of its
 * variants, the aliases of its redirect chain and the update a 304 brings are all written only after a decision to
 * store, so that decision is the gate. Deleting: an entry the settings now reject, one a 304 made unstorable, and
 * those an unsafe request invalidates. A read-only interceptor keeps both gates shut.
 */
import { reportError } from './events.js'
import type { Settings } from './options.js'
import type { StoreDecision } from './policy.js'

const READ_ONLY: StoreDecision = Object.freeze({ store: false, reason: 'read-only' })

/**
 * The decision to store a response as this interceptor acts on it: a read-only one never stores (a response the rules
 * would not store anyway keeps the rules' reason).
 */
export function mayStore (settings: Pick<Settings, 'readOnly'>, decision: StoreDecision): StoreDecision {
  return settings.readOnly && decision.store ? READ_ONLY : decision
}

/** Deletes an entry in the background (a failure is reported, never thrown); nothing, when the interceptor is read-only. */
export function discard (settings: Pick<Settings, 'readOnly' | 'backend'>, key: string): void {
  if (settings.readOnly) return
  settings.backend.delete(key).catch((error: unknown) => reportError(settings.backend.counters, 'delete', key, error))
}
