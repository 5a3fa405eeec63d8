/** Backends named by a URL: `sqlite:./http_cache.sqlite`, `redis://…`, `mongodb://…`, `dynamodb://…`. */
import type { CacheBackend } from './backends/base.js'
import { DynamoDBBackend } from './backends/dynamodb.js'
import { MongoDBBackend } from './backends/mongodb.js'
import { RedisBackend } from './backends/redis.js'
import { SQLiteBackend } from './backends/sqlite.js'

/** The cache name every backend uses when the URL names none. */
const DEFAULT_NAME = 'http_cache'

/** The forms `backendFromUrl` accepts, each with a note, for error messages and usage text. */
export const BACKEND_URL_FORMS: ReadonlyArray<readonly [form: string, note: string]> = [
  ['sqlite:./http_cache.sqlite', 'a SQLite file; also sqlite:/abs/path.sqlite, sqlite:///abs/path.sqlite'],
  ['redis://127.0.0.1:6379/0?name=http_cache', 'also rediss://; name: the key prefix'],
  ['mongodb://127.0.0.1:27017/http_cache', 'also mongodb+srv://; the path: the database'],
  ['dynamodb://http_cache?endpoint=http://127.0.0.1:8000&region=us-east-1', 'the table; AWS credentials from the environment']
]

/** The schemes of backend URLs (with their colon), e.g. to tell a backend URL from other arguments. */
export const BACKEND_SCHEMES: readonly string[] = ['sqlite:', 'redis:', 'rediss:', 'mongodb:', 'mongodb+srv:', 'dynamodb:']

/** What a backend URL says: which backend, and the arguments to make it with. */
export type BackendSpec =
  | { kind: 'sqlite', path: string }
  | { kind: 'redis', name: string, url: string }
  | { kind: 'mongodb', database: string, url: string }
  | { kind: 'dynamodb', table: string, endpoint?: string, region?: string }

/** `url` with any password replaced by `***`, fit for messages and logs. */
export function redactUrl (url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)[^@/?#]*@/i, '$1***@')
}

function invalid (url: string, why: string): TypeError {
  return new TypeError(`invalid cache URL ${JSON.stringify(redactUrl(url))}: ${why}`)
}

/** The scheme of `url` (lower-cased, with its colon), or undefined when it has none. */
function schemeOf (url: string): string | undefined {
  return /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0].toLowerCase()
}

/** True when `text` starts with the scheme of a backend URL. */
export function isBackendUrl (text: string): boolean {
  const scheme = schemeOf(text)
  return scheme !== undefined && BACKEND_SCHEMES.includes(scheme)
}

function decoded (url: string, text: string, what: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw invalid(url, `its ${what} is not validly percent-encoded`)
  }
}

function parseSqlite (url: string): BackendSpec {
  const rest = url.slice('sqlite:'.length)
  let path = rest
  if (rest.startsWith('//')) {
    // sqlite:///abs/path: no host, then an absolute path.
    if (!rest.startsWith('///')) throw invalid(url, 'sqlite:// must be followed by an absolute path (sqlite:///abs/path.sqlite); for a relative path write sqlite:./path.sqlite')
    path = rest.slice(2)
  }
  if (path === '') throw invalid(url, 'it names no file (e.g. sqlite:./http_cache.sqlite)')
  return { kind: 'sqlite', path }
}

function parseRedis (url: string): BackendSpec {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw invalid(url, 'it is not a valid URL (e.g. redis://127.0.0.1:6379/0?name=http_cache)')
  }
  if (parsed.hostname === '') throw invalid(url, 'it names no host (e.g. redis://127.0.0.1:6379/0)')
  const names = parsed.searchParams.getAll('name')
  if (names.length > 1) throw invalid(url, 'it gives name more than once')
  parsed.searchParams.delete('name')
  const name = names[0] ?? DEFAULT_NAME
  if (name === '') throw invalid(url, 'name (the key prefix) is empty')
  return { kind: 'redis', name, url: parsed.href }
}

function parseMongo (url: string): BackendSpec {
  // (Not WHATWG URL: a MongoDB URL may list several hosts, `mongodb://a:27017,b:27017/db`.)
  const match = /^(mongodb(?:\+srv)?:\/\/)([^/?#]*)(?:\/([^?#]*))?(\?[^#]*)?$/i.exec(url)
  if (match === null) throw invalid(url, 'it is not a MongoDB connection string (e.g. mongodb://127.0.0.1:27017/http_cache)')
  const [, scheme = '', authority = '', path = '', query = ''] = match
  if (authority === '' || authority.endsWith('@')) throw invalid(url, 'it names no host (e.g. mongodb://127.0.0.1:27017/http_cache)')
  const database = path === '' ? DEFAULT_NAME : decoded(url, path, 'database')
  // (The driver wants a '/' between the hosts and the options.)
  return { kind: 'mongodb', database, url: `${scheme}${authority}${query === '' ? '' : `/${query}`}` }
}

const DYNAMODB_PARAMS: ReadonlyArray<'endpoint' | 'region'> = ['endpoint', 'region']

function parseDynamo (url: string): BackendSpec {
  const match = /^dynamodb:\/\/([^/?#]*)\/?(\?[^#]*)?$/i.exec(url)
  if (match === null) throw invalid(url, 'it is not of the form dynamodb://TABLE?endpoint=URL&region=REGION')
  const [, table = '', query = ''] = match
  const params = new URLSearchParams(query)
  const unknown = [...new Set(params.keys())].filter((name) => !(DYNAMODB_PARAMS as readonly string[]).includes(name))
  if (unknown.length > 0) throw invalid(url, `unknown parameter ${unknown.join(', ')} (it takes ${DYNAMODB_PARAMS.join(' and ')})`)
  const given: { endpoint?: string, region?: string } = {}
  for (const name of DYNAMODB_PARAMS) {
    const value = params.getAll(name)
    if (value.length > 1) throw invalid(url, `it gives ${name} more than once`)
    if (value[0] === '') throw invalid(url, `${name} is empty`)
    if (value[0] !== undefined) given[name] = value[0]
  }
  return { kind: 'dynamodb', table: table === '' ? DEFAULT_NAME : decoded(url, table, 'table name'), ...given }
}

/** Reads a backend URL (see {@link backendFromUrl}) without making the backend; a TypeError naming the URL when it cannot. */
export function parseBackendUrl (url: string): BackendSpec {
  if (typeof url !== 'string') throw new TypeError(`a cache URL must be a string; got ${typeof url}`)
  switch (schemeOf(url)) {
    case 'sqlite:': return parseSqlite(url)
    case 'redis:': case 'rediss:': return parseRedis(url)
    case 'mongodb:': case 'mongodb+srv:': return parseMongo(url)
    case 'dynamodb:': return parseDynamo(url)
    default: throw invalid(url, `it must be one of: ${BACKEND_URL_FORMS.map(([form]) => form).join(', ')}`)
  }
}

function make (spec: BackendSpec): CacheBackend {
  switch (spec.kind) {
    case 'sqlite': return new SQLiteBackend(spec.path)
    case 'redis': return new RedisBackend(spec.name, { url: spec.url })
    case 'mongodb': return new MongoDBBackend(spec.database, { url: spec.url })
    case 'dynamodb': {
      const { kind: _kind, table, ...options } = spec
      return new DynamoDBBackend(table, options)
    }
  }
}

/**
 * The backend a URL names:
 * - `sqlite:./http_cache.sqlite`, `sqlite:/abs/path.sqlite`, `sqlite:///abs/path.sqlite`: a {@link SQLiteBackend} on that file;
 * - `redis://host:6379/0?name=http_cache` (or `rediss://`): a {@link RedisBackend}, `name` being the key prefix
 *   (default `http_cache`) and the rest of the URL the server;
 * - `mongodb://host:27017/http_cache` (or `mongodb+srv://`): a {@link MongoDBBackend}, the path being the database
 *   (default `http_cache`) and the rest of the URL, options included, the server;
 * - `dynamodb://http_cache?endpoint=http://127.0.0.1:8000&region=us-east-1`: a {@link DynamoDBBackend} on that table,
 *   credentials coming from the AWS SDK's usual chain (environment variables, profile, …).
 *
 * Throws a TypeError naming the URL (its password hidden) when it is none of these, or names an invalid cache.
 */
export function backendFromUrl (url: string): CacheBackend {
  const spec = parseBackendUrl(url)
  try {
    return make(spec)
  } catch (error) {
    // (A backend's own check of its cache name, say: tell which URL it came from.)
    if (error instanceof TypeError) throw invalid(url, error.message)
    throw error
  }
}
