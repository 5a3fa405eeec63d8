/** SQLiteBackend: one SQLite file through @keyv/sqlite, in WAL mode so that several processes can share it. */
import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, extname, join, resolve } from 'node:path'
import type KeyvSqlite from '@keyv/sqlite'
import { debug } from '../log.js'
import { CacheBackend, type StoreOptions } from './base.js'
import { assertInstalled, importOptional } from './load.js'
import { deserialize, textKeyv } from './text-envelope.js'

export interface SQLiteBackendOptions extends StoreOptions {
  /** How long (ms) a write waits for another process's lock before giving up. Default 5000. */
  busyTimeout?: number
  /** Use write-ahead logging: readers never block the writer, and several processes share the file. Default true. */
  wal?: boolean
  /** The table responses are kept in. Default `'responses'`. */
  table?: string
}

/** `cacheName` as a file path: `~` expanded, `.sqlite` appended when it has no extension. */
export function sqlitePath (cacheName: string): string {
  if (cacheName === ':memory:') return cacheName
  const expanded = cacheName === '~' || cacheName.startsWith('~/') ? join(homedir(), cacheName.slice(1)) : cacheName
  return resolve(extname(expanded) === '' ? `${expanded}.sqlite` : expanded)
}

type SqliteAdapter = KeyvSqlite & { query: (sql: string, ...params: unknown[]) => Promise<Array<Record<string, unknown>>> }

export class SQLiteBackend extends CacheBackend {
  /** The database file. */
  readonly path: string
  readonly #adapter: Promise<SqliteAdapter>
  readonly #table: string

  constructor (cacheName = 'http_cache', options: SQLiteBackendOptions = {}) {
    if (typeof cacheName !== 'string' || cacheName === '') throw new TypeError(`SQLiteBackend: cacheName must be a file path; got ${String(cacheName)}`)
    const { busyTimeout = 5000, wal = true, table = 'responses', timeout, retryAfter } = options
    if (!Number.isInteger(busyTimeout) || busyTimeout < 0) throw new TypeError(`SQLiteBackend: busyTimeout must be a whole number of ms; got ${String(busyTimeout)}`)
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new TypeError(`SQLiteBackend: table must be a plain SQL identifier; got ${JSON.stringify(table)}`)
    assertInstalled('@keyv/sqlite', 'SQLiteBackend')
    const path = sqlitePath(cacheName)
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const adapter = openAdapter(path, table, busyTimeout, wal)
    super(adapter.then((store) => textKeyv(store)), { timeout, retryAfter })
    this.path = path
    this.#adapter = adapter
    this.#table = table
  }

  /** Pages through the table by key (keyset pagination: no rows skipped or repeated while entries are deleted). */
  protected override async * rawEntries (): AsyncIterable<[string, unknown]> {
    const adapter = await this.#adapter
    let after = ''
    for (;;) {
      const rows = await adapter.query(`SELECT key, value FROM ${this.#table} WHERE key > ? ORDER BY key LIMIT 500`, after)
      for (const row of rows) {
        after = String(row.key)
        let value: unknown
        try {
          value = deserialize(String(row.value)).value
        } catch {
          value = undefined
        }
        yield [after, value]
      }
      if (rows.length < 500) return
    }
  }
}

async function openAdapter (path: string, table: string, busyTimeout: number, wal: boolean): Promise<SqliteAdapter> {
  const KeyvSqliteClass = await importOptional<typeof KeyvSqlite>('@keyv/sqlite')
  const adapter = new KeyvSqliteClass({ uri: `sqlite://${path}`, table, busyTimeout }) as SqliteAdapter
  adapter.on('error', (error: unknown) => debug('sqlite: %s', error))
  // The first query surfaces a file that cannot be opened, as a rejection the backend handles. (Set here because the
  // adapter ignores a busyTimeout of 0, and sqlite3 then waits its own default of a second.)
  await adapter.query(`PRAGMA busy_timeout = ${busyTimeout}`)
  if (wal && path !== ':memory:') {
    try {
      await adapter.query('PRAGMA journal_mode=WAL')
      await adapter.query('PRAGMA synchronous=NORMAL')
    } catch (error) {
      // Another process may hold the lock while switching modes; the file still works in its current mode.
      debug('sqlite: could not switch %s to WAL: %s', path, error)
    }
  }
  return adapter
}
