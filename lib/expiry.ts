/** Store the response with no expiry. */
export const NEVER_EXPIRE = -1
/** Store the response already stale: kept only when it has a validator (ETag / Last-Modified) to revalidate with. */
export const EXPIRE_IMMEDIATELY = 0
/** Neither read nor write the cache for this request. */
export const DO_NOT_CACHE: unique symbol = Symbol.for('undici-client-cache.DO_NOT_CACHE')

/**
 * How long a response stays fresh:
 * - a number of seconds (`-1` = {@link NEVER_EXPIRE}, `0` = {@link EXPIRE_IMMEDIATELY});
 * - a duration string: `'500ms'`, `'30s'`, `'5m'`, `'1h'`, `'7d'`, `'2w'`, or combined (`'1h30m'`);
 * - an absolute `Date`;
 * - {@link DO_NOT_CACHE}.
 */
export type ExpireAfter = number | string | Date | typeof DO_NOT_CACHE

/**
 * A resolved expiry: an absolute time in epoch ms, `null` for never, or `DO_NOT_CACHE`.
 * A time at or before "now" means "stale on arrival".
 */
export type ExpiresAt = number | null | typeof DO_NOT_CACHE

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }
const DURATION = /^\s*(?:\d+(?:\.\d+)?\s*(?:ms|s|m|h|d|w)\s*)+$/i
const DURATION_PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gi

/** Parses a duration string to milliseconds, or returns undefined when it is not one. */
function parseDuration (text: string): number | undefined {
  if (!DURATION.test(text)) return undefined
  let total = 0
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
    total += Number(amount) * (UNIT_MS[unit!.toLowerCase()] ?? Number.NaN)
  }
  return Number.isFinite(total) ? total : undefined
}

/** Throws a TypeError naming `option` when `value` is not an {@link ExpireAfter}. */
export function assertExpireAfter (value: unknown, option: string): asserts value is ExpireAfter {
  if (value === DO_NOT_CACHE) return
  if (typeof value === 'number' && (value >= 0 || value === NEVER_EXPIRE) && Number.isFinite(value)) return
  if (typeof value === 'string' && parseDuration(value) !== undefined) return
  if (value instanceof Date && Number.isFinite(value.getTime())) return
  throw new TypeError(
    `${option} must be a number of seconds (-1 = never, 0 = expire immediately), a duration such as '30s', '5m', '1h' or '7d', ` +
    `a Date, or DO_NOT_CACHE; got ${describe(value)}`
  )
}

/** A length of time given as seconds (>= 0) or a duration string, in ms; a TypeError naming `option` otherwise. */
export function durationMs (value: unknown, option: string): number {
  if (typeof value === 'number' && value >= 0 && Number.isFinite(value)) return value * 1000
  const ms = typeof value === 'string' ? parseDuration(value) : undefined
  if (ms === undefined) throw new TypeError(`${option} must be a number of seconds (>= 0) or a duration such as '30s', '5m' or '1h'; got ${describe(value)}`)
  return ms
}

/** The latest (and, negated, the earliest) time a `Date` can hold, in epoch ms. */
const MAX_TIME = 8.64e15

/**
 * An expiry time (epoch ms) as it is stored: a time later than any `Date` can hold (a lifetime of `1e308` seconds, say)
 * is no expiry (`null`), and one earlier than any is the earliest there is. So `expiresAt` is never `Infinity` or
 * `NaN`, and always makes a valid `Date`.
 */
export function boundedExpiry (time: number): number | null {
  if (!(time <= MAX_TIME)) return null
  return Math.max(time, -MAX_TIME)
}

/** Converts an {@link ExpireAfter} into an absolute expiry, relative to `now` (epoch ms). */
export function resolveExpireAfter (value: ExpireAfter, now: number): ExpiresAt {
  if (value === DO_NOT_CACHE) return DO_NOT_CACHE
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'string') return boundedExpiry(now + (parseDuration(value) ?? 0))
  if (value === NEVER_EXPIRE) return null
  return boundedExpiry(now + value * 1000)
}

/** A short, printable description of a value for error messages. */
export function describe (value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'symbol') return value.toString()
  if (typeof value === 'function') return `a function (${value.name || 'anonymous'})`
  if (value instanceof Date) return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`
  if (value !== null && typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`
  return String(value)
}

/** Strips the scheme (`https://`) from a URL or pattern. */
export function withoutScheme (text: string): string {
  const at = text.indexOf('://')
  return at === -1 ? text : text.slice(at + 3)
}

/**
 * Compiles an fnmatch-style glob into a RegExp matching a prefix of a text (or, with `whole`, all of it): `*` matches any
 * run of characters, `/` included; `?` matches one character; `[abc]` / `[!abc]` match a class; everything else is literal.
 */
export function globToRegExp (glob: string, whole = false): RegExp {
  let source = ''
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!
    if (char === '*') source += '.*'
    else if (char === '?') source += '.'
    else if (char === '[' && glob.indexOf(']', i + 2) !== -1) {
      const end = glob.indexOf(']', i + 2)
      const body = glob.slice(i + 1, end)
      source += body.startsWith('!') ? `[^${escapeClass(body.slice(1))}]` : `[${escapeClass(body)}]`
      i = end
    } else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${source}${whole ? '$' : ''}`, 's')
}

function escapeClass (body: string): string {
  return body.replace(/[\\\]^]/g, '\\$&')
}

/**
 * `urlsExpireAfter` compiled once: glob patterns matched against `host/path?query`, the scheme ignored,
 * each pattern a prefix (`'example.com/api'` also matches `example.com/api/v1`), the first match winning.
 */
export class UrlExpiryPatterns {
  readonly #rules: Array<{ pattern: RegExp, expireAfter: ExpireAfter }>

  constructor (patterns: Record<string, ExpireAfter>) {
    this.#rules = Object.entries(patterns).map(([pattern, expireAfter]) => {
      assertExpireAfter(expireAfter, `urlsExpireAfter[${JSON.stringify(pattern)}]`)
      return { pattern: globToRegExp(withoutScheme(pattern)), expireAfter }
    })
  }

  get size (): number { return this.#rules.length }

  /** The expiry of the first pattern matching `url`, or undefined. */
  match (url: string): ExpireAfter | undefined {
    if (this.#rules.length === 0) return undefined
    const target = withoutScheme(url)
    for (const rule of this.#rules) if (rule.pattern.test(target)) return rule.expireAfter
    return undefined
  }
}
