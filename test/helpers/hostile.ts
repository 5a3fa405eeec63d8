/**
 * Arbitraries (fast-check) of hostile header values: the numbers, words, separators and characters that break naive
 * parsers, and header values built from them. `sendable` turns any of them into what an HTTP message can carry.
 */
import fc from 'fast-check'

/** Pieces that break naive parsers: numbers out of range, NaN-ish words, separators, quotes, controls, odd Unicode. */
export const nastyPiece = fc.constantFrom(
  '', ' ', '\t', ',', ';', '=', '"', '\\', '\\"', '*', '\r\n', '\n', '\r', '\0', '\x7f',
  '1e309', '-1e309', '1e308', '-1', '-0', '0', '+5', '1.5', '.5', '5.', '0x10', '0b1', '1_000', ' 60 ', '"60"', "'60'",
  'NaN', 'Infinity', '-Infinity', 'undefined', 'null', 'true', '__proto__', 'constructor', 'toString',
  '9'.repeat(400), String(2 ** 31), String(2 ** 31 + 1), String(2 ** 53 + 1), '18446744073709551616',
  'é', '\u00a0', '\u0085', '\ufeff', '\u2028', '\ud800', '\udfff', '日本', '🙂', 'K\u212a'
)

/** Numbers as text, of every size and sign, integer or not, in every notation JavaScript prints. */
export const numberText = fc.oneof(
  fc.integer().map(String),
  fc.nat({ max: 3_000_000_000 }).map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.double().map(String),
  nastyPiece
)

/** Any text: nasty pieces glued together, arbitrary code points (lone surrogates and controls included), numbers. */
export const hostileText = fc.oneof(
  nastyPiece,
  numberText,
  fc.array(fc.oneof(nastyPiece, fc.string({ maxLength: 4 })), { maxLength: 6 }).map((pieces) => pieces.join('')),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 12 })
)

/** Some tokens in random case, the rest anything. */
function mixedCaseOf (names: string[]): fc.Arbitrary<string> {
  return fc.oneof({ weight: 4, arbitrary: fc.mixedCase(fc.constantFrom(...names)) }, { weight: 1, arbitrary: hostileText })
}

const DIRECTIVES = [
  'max-age', 'no-store', 'no-cache', 'must-revalidate', 'immutable', 'private', 'public', 's-maxage', 'proxy-revalidate',
  'stale-while-revalidate', 'stale-if-error', 'max-stale', 'min-fresh', 'only-if-cached', 'no-transform'
]

/** One Cache-Control directive: a name (most often a real one), and maybe a value, bare or quoted. */
export const directive = fc.tuple(
  mixedCaseOf(DIRECTIVES),
  fc.option(fc.oneof(numberText, numberText.map((text) => `"${text}"`), hostileText), { nil: undefined }),
  fc.constantFrom('', ' ', '  ')
).map(([name, value, space]) => value === undefined ? name : `${name}${space}=${space}${value}`)

/** A list of directives, with odd separators (`,,`, ` , `, none). */
export const cacheControlText = fc.tuple(
  fc.array(directive, { maxLength: 6 }),
  fc.constantFrom(',', ', ', ' , ', ',,', ' ', ';')
).map(([items, separator]) => items.join(separator))

/** A header value as undici gives it: absent, one line, or several lines of the same header. */
export function headerValue (text: fc.Arbitrary<string>): fc.Arbitrary<string | string[] | undefined> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: text },
    { weight: 1, arbitrary: fc.array(text, { minLength: 1, maxLength: 3 }) }
  )
}

/** The earliest and latest times a Date holds, in epoch ms. */
export const MAX_TIME = 8.64e15

/** Every Date there is, the extremes included. */
export const anyDate = fc.oneof(
  fc.date({ noInvalidDate: true }),
  fc.date({ min: new Date('1900-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
  fc.constantFrom(new Date(MAX_TIME), new Date(-MAX_TIME), new Date(0))
)

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

/** The three HTTP date formats (IMF-fixdate, RFC 850, asctime), ISO 8601, and anything else. */
export const httpDateText = fc.oneof(
  anyDate.map((date) => date.toUTCString()),
  anyDate.map((date) => {
    const [, day, month, year, time] = date.toUTCString().split(' ')
    return `${WEEKDAYS[date.getUTCDay()]!}, ${day!}-${month!}-${year!.slice(-2)} ${time!} GMT`
  }),
  anyDate.map((date) => {
    const [weekday, day, month, year, time] = date.toUTCString().replace(',', '').split(' ')
    return `${weekday!} ${month!} ${day!.replace(/^0/, ' ')} ${time!} ${year!}`
  }),
  anyDate.map((date) => date.toISOString()),
  fc.constantFrom('0', '-1', 'now', 'Thu, 01 Jan 1970 00:00:00 GMT', 'Sat, 13 Sep 275760 00:00:00 GMT', '-271821-04-20T00:00:00Z'),
  hostileText
)

/** The Vary list: header names (real ones, `*`, nonsense), in random case, with odd separators. */
export const varyText = fc.tuple(
  fc.array(mixedCaseOf(['accept', 'accept-encoding', 'accept-language', 'x-tenant', 'cookie', 'authorization', '*', 'origin']), { maxLength: 4 }),
  fc.constantFrom(',', ', ', ' ,', ',,')
).map(([names, separator]) => names.join(separator))

/** Header names that HTTP headers may have. */
export const headerName = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9a-z]{1,12}$/)

/** What a header value may contain on the wire: HTAB, printable ASCII and obs-text (0x80-0xFF); nothing else. */
const UNSENDABLE = /[^\t\x20-\x7e\x80-\xff]/g

/** `text` with every character an HTTP header cannot carry replaced by `?` (and no leading or trailing whitespace). */
export function sendable (text: string): string {
  return text.replace(UNSENDABLE, '?').replace(/^[\t ]+|[\t ]+$/g, '')
}
