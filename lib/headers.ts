/** Header shapes: the several forms undici accepts for request headers, and the pair lists entries store. */

import type { ResponseHeaders } from './handler.js'

/** Headers by lower-cased name; repeated headers keep every value. */
export type HeaderRecord = Record<string, string | string[]>

/** Header lines as `[name, value]` pairs, names lower-cased, one pair per value. */
export type HeaderPairs = Array<[string, string]>

function text (value: unknown): string {
  return Buffer.isBuffer(value) ? value.toString('latin1') : String(value)
}

function add (record: HeaderRecord, name: unknown, value: unknown): void {
  if (value === undefined || value === null) return
  const key = text(name).toLowerCase()
  const values = Array.isArray(value) ? value.map(text) : [text(value)]
  const existing = record[key]
  if (existing === undefined) record[key] = values.length === 1 ? values[0]! : values
  else record[key] = (Array.isArray(existing) ? existing : [existing]).concat(values)
}

/** The record of a request without headers. (One shared object; nobody changes it.) */
const NO_HEADERS: HeaderRecord = Object.freeze(Object.create(null) as HeaderRecord)

/**
 * Reads request headers in any form undici's dispatch accepts: a plain object, a flat `[name, value, …]` array
 * (strings or Buffers), or an iterable of `[name, value]` pairs (`Headers`, `Map`).
 */
export function toHeaderRecord (headers: unknown): HeaderRecord {
  if (headers === undefined || headers === null) return NO_HEADERS
  const record: HeaderRecord = Object.create(null) as HeaderRecord
  if (Array.isArray(headers)) {
    if (headers.length > 0 && Array.isArray(headers[0])) {
      for (const [name, value] of headers as unknown[][]) add(record, name, value)
    } else {
      for (let i = 0; i + 1 < headers.length; i += 2) add(record, headers[i], headers[i + 1])
    }
  } else if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    for (const [name, value] of headers as Iterable<[unknown, unknown]>) add(record, name, value)
  } else if (typeof headers === 'object') {
    for (const [name, value] of Object.entries(headers)) add(record, name, value)
  }
  return record
}

/** Flattens a header record into pairs, one per value. */
export function toPairs (record: Readonly<Record<string, string | string[] | undefined>>): HeaderPairs {
  const pairs: HeaderPairs = []
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined) continue
    if (Array.isArray(value)) for (const item of value) pairs.push([name.toLowerCase(), String(item)])
    else pairs.push([name.toLowerCase(), String(value)])
  }
  return pairs
}

/** Groups pairs back into a record, repeated names becoming arrays. */
export function toRecord (pairs: Readonly<HeaderPairs>): HeaderRecord {
  const record: HeaderRecord = {}
  for (const [name, value] of pairs) add(record, name, value)
  return record
}

/** Pairs as undici's `controller.rawHeaders`: a flat array of Buffers, one name/value pair per value. */
export function toRawHeaders (pairs: Readonly<HeaderPairs>): Buffer[] {
  const raw: Buffer[] = []
  for (const [name, value] of pairs) raw.push(Buffer.from(name, 'latin1'), Buffer.from(value, 'latin1'))
  return raw
}

/** The first value of a header, or undefined. */
export function firstValue (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/** Hop-by-hop headers (RFC 9110 §7.6.1), never stored or replayed, plus `age`, which a hit recomputes. */
const NOT_STORED = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade',
  'proxy-authenticate', 'proxy-authorization', 'age'
])

/** Response headers as they are stored: hop-by-hop headers and those the `Connection` header names are dropped. */
export function storableHeaders (record: Readonly<Record<string, string | string[] | undefined>>): HeaderPairs {
  const nominated = new Set(
    (Array.isArray(record.connection) ? record.connection.join(',') : record.connection ?? '')
      .split(',').map((name) => name.trim().toLowerCase()).filter(Boolean)
  )
  return toPairs(record).filter(([name]) => !NOT_STORED.has(name) && !nominated.has(name))
}

/** A header object with `name: value` appended to any value it already has. */
export function withHeader (headers: ResponseHeaders, name: string, value: string): ResponseHeaders {
  const existing = headers[name]
  return { ...headers, [name]: existing === undefined ? value : `${Array.isArray(existing) ? existing.join(', ') : existing}, ${value}` }
}
