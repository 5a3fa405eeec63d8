/** The stored entry and its versioned, binary-safe encoding. */
import type { HeaderPairs } from './headers.js'

/** One cached response, as the backends hold it. */
export interface CacheEntry {
  /** Status code, e.g. 200. */
  status: number
  /** Status text, e.g. `'OK'`. */
  statusText: string
  /** Response headers, lower-cased names, one pair per value; hop-by-hop headers and `age` removed. */
  headers: HeaderPairs
  /** The complete response body. */
  body: Buffer
  /** The normalized request URL, values of ignored parameters replaced by `REDACTED`. */
  url: string
  /** The request method. */
  method: string
  /** When the response was generated (epoch ms): the time it was stored minus the `Age` it arrived with. */
  createdAt: number
  /** When it stops being fresh (epoch ms), or `null` for never. */
  expiresAt: number | null
  /**
   * The request headers the entry was matched on (those named by `Vary` or `includeHeaders`), lower-cased;
   * `null` when the request did not carry it. Secret values are kept only as digests.
   */
  requestHeaders: Record<string, string | null>
}

/**
 * Whether an entry is a response. Entries with a status below 100 are the cache's own markers under a URL's key: the
 * index of its variants (see `variants.ts`) or an alias of a redirect chain (see `aliases.ts`).
 */
export function isResponse (entry: CacheEntry): boolean {
  return entry.status >= 100
}

/** Whether an entry is past its expiry at `now` (epoch ms). */
export function isExpired (entry: Pick<CacheEntry, 'expiresAt'>, now: number): boolean {
  return entry.expiresAt !== null && entry.expiresAt <= now
}

/**
 * Bumped whenever the layout of the encoded entry changes; an entry of another version is a miss. (Version 2 records
 * the body's length, so that an entry cut short, or run on, is a miss instead of a hit with the wrong body.)
 */
export const ENTRY_VERSION = 2
const MAGIC = Buffer.from('UCCE', 'latin1')
const META_LENGTH_AT = MAGIC.length + 1
const BODY_LENGTH_AT = META_LENGTH_AT + 4
const PREFIX_LENGTH = BODY_LENGTH_AT + 4

type EntryMeta = Omit<CacheEntry, 'body'>

/**
 * Encodes an entry (`kept`: to be held in memory) as
 * `"UCCE" | version (1 byte) | meta length (uint32 BE) | body length (uint32 BE) | meta JSON (UTF-8) | body bytes`:
 * the body is stored as raw bytes, never as text, so every byte round-trips.
 */
export function encodeEntry (entry: CacheEntry, kept = false): Buffer {
  const { body, ...meta } = entry
  const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8')
  // A Buffer that is `kept` is not carved from Node's shared 8 KiB pool, which it would keep alive whole.
  const size = PREFIX_LENGTH + metaBytes.length + body.length
  const out = kept ? Buffer.allocUnsafeSlow(size) : Buffer.allocUnsafe(size)
  MAGIC.copy(out, 0)
  out.writeUInt8(ENTRY_VERSION, MAGIC.length)
  out.writeUInt32BE(metaBytes.length, META_LENGTH_AT)
  out.writeUInt32BE(body.length, BODY_LENGTH_AT)
  metaBytes.copy(out, PREFIX_LENGTH)
  body.copy(out, PREFIX_LENGTH + metaBytes.length)
  return out
}

/**
 * Decodes {@link encodeEntry}'s output. Anything else (another version, cut short or run on, not an entry) gives
 * undefined.
 */
export function decodeEntry (value: unknown): CacheEntry | undefined {
  if (!(value instanceof Uint8Array) || value.length < PREFIX_LENGTH) return undefined
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC) || bytes.readUInt8(MAGIC.length) !== ENTRY_VERSION) return undefined
  const metaEnd = PREFIX_LENGTH + bytes.readUInt32BE(META_LENGTH_AT)
  if (metaEnd + bytes.readUInt32BE(BODY_LENGTH_AT) !== bytes.length) return undefined
  let meta: unknown
  try {
    meta = JSON.parse(bytes.toString('utf8', PREFIX_LENGTH, metaEnd))
  } catch {
    return undefined
  }
  if (!isEntryMeta(meta)) return undefined
  return { ...meta, body: bytes.subarray(metaEnd) }
}

/** True when `value` is a well-formed entry (used for entries a backend holds as objects). */
export function isCacheEntry (value: unknown): value is CacheEntry {
  return isEntryMeta(value) && Buffer.isBuffer((value as CacheEntry).body)
}

function isEntryMeta (value: unknown): value is EntryMeta {
  if (value === null || typeof value !== 'object') return false
  const meta = value as Partial<EntryMeta>
  return Number.isInteger(meta.status) &&
    typeof meta.statusText === 'string' &&
    Array.isArray(meta.headers) &&
    meta.headers.every((pair) => Array.isArray(pair) && pair.length === 2 && typeof pair[0] === 'string' && typeof pair[1] === 'string') &&
    typeof meta.url === 'string' &&
    typeof meta.method === 'string' &&
    Number.isFinite(meta.createdAt) &&
    (meta.expiresAt === null || Number.isFinite(meta.expiresAt)) &&
    meta.requestHeaders !== null && typeof meta.requestHeaders === 'object'
}

/** The approximate memory an entry takes: its body plus its headers and URL. */
export function entrySize (entry: CacheEntry): number {
  let size = entry.body.length + entry.url.length + entry.statusText.length + 64
  for (const [name, value] of entry.headers) size += name.length + value.length + 16
  for (const name in entry.requestHeaders) size += name.length + (entry.requestHeaders[name]?.length ?? 0) + 16
  return size
}
