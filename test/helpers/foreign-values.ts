/**
 * Values a store may hold under an entry's key that are not readable entries of this version: entries of another
 * version, cut short or with bytes added, garbage, and what older Keyv-based writers left (Keyv's JSON envelope, as
 * text). Each is written as it would really be found in the backend's store.
 */
import { ENTRY_VERSION, type CacheBackend, type CacheEntry } from 'undici-client-cache'
import { encodeEntry } from '#lib/entry.js'

export interface ForeignValue {
  name: string
  /** Writes the value under `key` of the backend's store. */
  write (cache: CacheBackend, key: string): Promise<void>
}

function oldEntry (): CacheEntry {
  const body = Buffer.from('the body of an old response, which must never be served as this one\n'.repeat(4))
  return { status: 200, statusText: 'OK', headers: [['content-length', String(body.length)]], body, url: 'http://old.test/', method: 'GET', createdAt: 0, expiresAt: null, requestHeaders: {} }
}

/** An entry encoded as today, but marked with another version (the byte after the magic `UCCE`). */
function ofVersion (version: number): Buffer {
  const bytes = encodeEntry(oldEntry())
  bytes[4] = version
  return bytes
}

/** An entry in the layout of version 1 (`UCCE` | 1 | header length | header | body: no body length). */
function version1 (): Buffer {
  const { body, ...meta } = oldEntry()
  const header = Buffer.from(JSON.stringify(meta))
  const prefix = Buffer.alloc(9)
  prefix.write('UCCE', 'latin1')
  prefix[4] = 1
  prefix.writeUInt32BE(header.length, 5)
  return Buffer.concat([prefix, header, body])
}

/** Bytes stored as this backend stores an entry's encoding (through its Keyv, and so its serializer). */
function encoded (bytes: () => Buffer): ForeignValue['write'] {
  return async (cache, key) => { await (await cache.keyv).set(key, bytes()) }
}

/** A value put in the store as it is, past the backend's serializer: what another writer left there. */
function asStored (value: string): ForeignValue['write'] {
  return async (cache, key) => {
    const keyv = await cache.keyv
    // (A store under a Keyv without a serializer is handed Keyv's envelope; the others the serialized text.)
    await (keyv.store as { set (key: string, value: unknown): Promise<unknown> }).set(key, keyv.serialize === undefined ? { value } : value)
  }
}

/** The value the store holds under `key`, as stored (undefined when there is none). */
export async function storedValue (cache: CacheBackend, key: string): Promise<unknown> {
  const keyv = await cache.keyv
  return (await (keyv.store as { get (key: string): Promise<unknown> }).get(key)) ?? undefined
}

/** Keyv's default serialization of an entry object, Buffers as `:base64:` strings (as @keyv/sqlite and others stored it). */
function keyvJson (expires: number | null): string {
  const { body, ...meta } = oldEntry()
  return JSON.stringify({ value: { ...meta, body: `:base64:${body.toString('base64')}` }, expires })
}

export const foreignValues: ForeignValue[] = [
  { name: 'an entry of the next version', write: encoded(() => ofVersion(ENTRY_VERSION + 1)) },
  { name: 'an entry of version 1 (before the body length was recorded)', write: encoded(version1) },
  { name: 'an entry cut short in its body', write: encoded(() => { const bytes = encodeEntry(oldEntry()); return bytes.subarray(0, bytes.length - 10) }) },
  { name: 'an entry cut short in its header', write: encoded(() => encodeEntry(oldEntry()).subarray(0, 30)) },
  { name: 'an entry with bytes after its body', write: encoded(() => Buffer.concat([encodeEntry(oldEntry()), Buffer.from('more')])) },
  { name: 'bytes that are not an entry', write: encoded(() => Buffer.from('not an entry')) },
  { name: 'an empty value', write: encoded(() => Buffer.alloc(0)) },
  { name: 'a text row holding Keyv\'s JSON envelope (as @keyv/sqlite writes it)', write: asStored(keyvJson(null)) },
  { name: 'Keyv\'s JSON envelope with an expiry to come (as older Keyv adapters wrote it)', write: asStored(keyvJson(Date.now() + 3_600_000)) },
  { name: 'text that is not JSON', write: asStored('{"value": cut sh') }
]
