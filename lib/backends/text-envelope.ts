/** Entries as text, for stores whose values are strings: Keyv's `{ value, expires }` envelope as `<expires>:<base64>`. */
import Keyv, { type KeyvStoreAdapter } from 'keyv'

/** `<keyv expiry, or empty>:<entry bytes as base64>`: a third larger than the bytes, and far cheaper than JSON. */
export function serialize (data: { value?: unknown, expires?: number | null }): string {
  return `${data.expires ?? ''}:${Buffer.from(data.value as Uint8Array).toString('base64')}`
}

export function deserialize (text: string): { value: Buffer, expires: number | undefined } {
  const colon = text.indexOf(':')
  const expires = colon > 0 ? Number(text.slice(0, colon)) : undefined
  return { value: Buffer.from(text.slice(colon + 1), 'base64'), expires }
}

/** A Keyv over `store` with the text envelope, keys passed through unprefixed, and store errors thrown. */
export function textKeyv (store: KeyvStoreAdapter): Keyv {
  return new Keyv(store, { namespace: undefined, useKeyPrefix: false, serialize, deserialize: deserialize as Keyv['deserialize'], throwOnErrors: true })
}
