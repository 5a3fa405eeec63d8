/**
 * Vary (RFC 9111 §4.1): several variants of one URL stored side by side. A response with `Vary` is stored under a
 * variant key, derived from the URL's key and the values of the request headers it varies on; the URL's key then holds
 * an index naming those headers, so a lookup knows which variant key to read. Each index has a generation: an index
 * written afresh (after an invalidation, or with other header names) makes the variants stored before it unreachable.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { CacheEntry } from './entry.js'
import type { HeaderRecord } from './headers.js'
import type { KeyBuilder } from './key.js'

/** The index is stored as an entry with this status (no HTTP response has it), its headers naming what it varies on. */
const INDEX_STATUS = 0

export interface VariantIndex {
  /** The request headers the variants vary on, lower-cased. */
  vary: string[]
  generation: string
}

export function isVariantIndex (entry: CacheEntry): boolean {
  return entry.status === INDEX_STATUS
}

export function readIndex (entry: CacheEntry): VariantIndex {
  const value = (name: string): string => entry.headers.find(([header]) => header === name)?.[1] ?? ''
  return { vary: value('vary').split(',').filter(Boolean), generation: value('generation') }
}

/** The index entry for `variant`, stored under the URL's key. */
export function indexEntry (variant: CacheEntry, index: VariantIndex): CacheEntry {
  return {
    status: INDEX_STATUS,
    statusText: 'variants',
    headers: [['vary', index.vary.join(',')], ['generation', index.generation]],
    body: Buffer.alloc(0),
    url: variant.url,
    method: variant.method,
    createdAt: variant.createdAt,
    expiresAt: variant.expiresAt,
    requestHeaders: {}
  }
}

/** The index for a response varying on `vary`: `current`'s when it varies on the same headers, else a new generation. */
export function indexFor (vary: string[], current: VariantIndex | undefined): VariantIndex {
  const names = [...vary].sort()
  return current !== undefined && current.vary.join(',') === names.join(',') ? current : { vary: names, generation: randomUUID() }
}

/**
 * The text a variant key is the SHA-256 of: a JSON array of the URL's key, the index's generation and the values the
 * request has for the headers it names (as `Vary` compares them; `null` when absent). JSON keeps them apart, whatever
 * they contain.
 */
export function variantEncoding (key: string, generation: string, values: Array<string | null>): string {
  return JSON.stringify([key, generation, values])
}

/** The key of the variant a request selects: SHA-256 over the URL's key, the generation and the header values. */
export function variantKey (key: string, index: VariantIndex, keys: KeyBuilder, headers: HeaderRecord): string {
  const values = index.vary.map((name) => keys.varyValue(name, headers))
  return createHash('sha256').update(variantEncoding(key, index.generation, values)).digest('hex')
}
