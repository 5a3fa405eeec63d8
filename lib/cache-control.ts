/** Parsing of the caching headers: Cache-Control, Pragma, Expires, Date, Age and Vary. Pure functions, no policy. */
import { splitOutsideQuotes } from './lists.js'

export type HeaderValue = string | string[] | undefined

/** Cache-Control directives by lower-cased name; a directive without `=value` maps to `true`. */
export type Directives = ReadonlyMap<string, string | true>

const EMPTY: Directives = new Map()

/** Joins a header that may have arrived as several lines into one comma-separated list. */
export function joinHeader (value: HeaderValue): string | undefined {
  if (value === undefined) return undefined
  return Array.isArray(value) ? value.join(', ') : value
}

/**
 * Parses a Cache-Control value (or several lines of it). Names are lower-cased, quoted values unquoted;
 * the first occurrence of a directive wins. Malformed pieces are skipped, never thrown.
 */
export function parseCacheControl (value: HeaderValue): Directives {
  const text = joinHeader(value)
  if (!text) return EMPTY
  const directives = new Map<string, string | true>()
  // A quoted value may contain commas (no-cache="a, b"); split outside quotes only.
  for (const part of splitOutsideQuotes(text, ',')) {
    const eq = part.indexOf('=')
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase()
    if (!name || directives.has(name)) continue
    if (eq === -1) {
      directives.set(name, true)
      continue
    }
    let raw = part.slice(eq + 1).trim()
    if (raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2) raw = raw.slice(1, -1).replace(/\\(.)/g, '$1')
    directives.set(name, raw)
  }
  return directives
}

/**
 * A delta-seconds directive (`max-age=60`) as a number. A directive given without a valid non-negative integer
 * yields `invalid` (RFC 9111 §1.2.2: treat such a value as stale, i.e. 0 for a response's max-age).
 */
export function deltaSeconds (directives: Directives, name: string, invalid: number | undefined): number | undefined {
  const value = directives.get(name)
  if (value === undefined) return undefined
  if (value === true || !/^\d+$/.test(value.trim())) return invalid
  return Math.min(Number(value.trim()), 2 ** 31)
}

/** Parses an HTTP date (IMF-fixdate, RFC 850 or asctime) to epoch ms, or undefined when it is not a valid date. */
export function parseHttpDate (value: HeaderValue): number | undefined {
  const text = joinHeader(value)?.trim()
  if (!text || !/[a-z]/i.test(text)) return undefined
  const ms = Date.parse(text)
  return Number.isFinite(ms) ? ms : undefined
}

/** The Age header in seconds; absent or malformed is 0. */
export function parseAge (value: HeaderValue): number {
  const text = Array.isArray(value) ? value[0] : value
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return 0
  return Math.min(Number(text), 2 ** 31)
}

/** The header names listed by Vary, lower-cased; `['*']` for `Vary: *`. */
export function parseVary (value: HeaderValue): string[] {
  const text = joinHeader(value)
  if (!text) return []
  const names = text.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean)
  return names.includes('*') ? ['*'] : [...new Set(names)]
}

/**
 * A request header value normalized for comparison: list items trimmed, inner whitespace collapsed to one space. Only
 * HTTP's whitespace (SP and HTAB, RFC 9110 §5.6.3) is: any other character (a no-break space, 0xA0) is part of the value.
 */
export function normalizeHeaderValue (value: HeaderValue): string | null {
  const text = joinHeader(value)
  if (text === undefined) return null
  return text.split(',').map((item) => {
    const collapsed = item.replace(/[ \t]+/g, ' ')
    return collapsed.slice(collapsed.startsWith(' ') ? 1 : 0, collapsed.endsWith(' ') ? -1 : undefined)
  }).join(',')
}
