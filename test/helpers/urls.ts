/**
 * Arbitraries (fast-check) of URLs: a URL as a model (scheme, host, port, path segments, query pairs, all decoded) and
 * the many ways of spelling one model that the key must treat alike (case of scheme and host, a default port written
 * out, dot segments, the order of the query, `+` or `%20`, a fragment).
 */
import fc from 'fast-check'
import { hostileText } from './hostile.js'

export interface UrlModel {
  scheme: 'http' | 'https'
  host: string
  /** A port that is not the scheme's default, or undefined. */
  port: number | undefined
  /** The path's segments, decoded. */
  segments: string[]
  /** The query's name/value pairs, decoded, in order. */
  pairs: Array<[string, string]>
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g

/** `text` percent-encoded as a URL component (a lone surrogate, which no URL can carry, as U+FFFD). */
export function encodeComponent (text: string): string {
  return encodeURIComponent(text.replace(LONE_SURROGATE, '\ufffd'))
}

/**
 * Path segments: words, hostile text (encoded), empty ones; never `.` or `..`, which are not segments but steps. Nor one
 * that starts with a dot: Node 20's URL parser (ada 2.9.2) then leaves the dot segments after it unresolved
 * (`new URL('http://h/a/.b/./c').pathname` is `/a/.b/./c`), so two spellings of one URL get two keys (two entries; a
 * miss, never a request answered with another's response).
 */
const segment = fc.oneof(fc.webSegment(), hostileText, fc.constantFrom('', 'a', 'A', '%', 'é', 'a.'))
  .filter((text) => !text.startsWith('.'))

export const urlModel: fc.Arbitrary<UrlModel> = fc.record({
  scheme: fc.constantFrom<UrlModel['scheme']>('http', 'https'),
  host: fc.oneof(fc.domain(), fc.constantFrom('127.0.0.1', 'example.com', 'a.test')),
  port: fc.option(fc.integer({ min: 1, max: 65535 }).filter((port) => port !== 80 && port !== 443), { nil: undefined }),
  segments: fc.array(segment, { maxLength: 4 }),
  pairs: fc.array(fc.tuple(fc.oneof(fc.constantFrom('a', 'b', 'q', 'token'), hostileText), fc.oneof(fc.constantFrom('', '1', '2', ' '), hostileText)), { maxLength: 4 })
})

/** The query of a model, in one of its spellings: `?` alone or nothing when empty; pairs with `%20` or `+` for spaces. */
export function querySpelling (pairs: Array<[string, string]>): fc.Arbitrary<string> {
  const plus = (text: string): string => encodeComponent(text).replace(/%20/g, '+')
  const spelled = pairs.map(([name, value]) => fc.tuple(fc.constantFrom(encodeComponent, plus), fc.boolean()).map(([encode, bare]) =>
    value === '' && name !== '' && bare ? encode(name) : `${encode(name)}=${encode(value)}`))
  if (spelled.length === 0) return fc.constantFrom('', '?')
  return fc.tuple(...spelled).chain((items) => fc.shuffledSubarray(items, { minLength: items.length, maxLength: items.length }))
    .map((items) => `?${items.join('&')}`)
}

/** One spelling of a model: any case of scheme and host, its default port or not, dot segments, any query order, a fragment. */
export function urlSpelling (model: UrlModel): fc.Arbitrary<string> {
  const defaultPort = model.scheme === 'http' ? 80 : 443
  // Before each segment, a step that cancels out: none, `./` or `x/../`.
  const steps = fc.array(fc.constantFrom('', './', 'x/../', 'X/./../'), { minLength: model.segments.length, maxLength: model.segments.length })
  return fc.record({
    scheme: fc.mixedCase(fc.constant(model.scheme)),
    host: fc.mixedCase(fc.constant(model.host)),
    port: fc.constantFrom(...(model.port === undefined ? ['', `:${defaultPort}`] : [`:${model.port}`])),
    steps,
    query: querySpelling(model.pairs),
    fragment: fc.option(hostileText.map((text) => `#${encodeComponent(text)}`), { nil: '' })
  }).map(({ scheme, host, port, steps, query, fragment }) =>
    `${scheme}://${host}${port}/${model.segments.map((text, i) => steps[i]! + encodeComponent(text)).join('/')}${query}${fragment}`)
}

/** Any URL, in any spelling. */
export const anyUrl: fc.Arbitrary<string> = urlModel.chain(urlSpelling)
