/** SQLiteBackend: one SQLite file, in WAL mode so that several processes can share it. */
import { mkdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, extname, join, resolve } from 'node:path'
import Keyv from 'keyv'
import { debug } from '../log.js'
import { CacheBackend } from './base.js'
import type { StoreOptions } from './store-options.js'
import { assertInstalled, importOptional } from './load.js'
import { openedLater } from './opening.js'
import { SqliteStore } from './sqlite-store.js'

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

export class SQLiteBackend extends CacheBackend {
  /** The database file. */
  readonly path: string
  readonly #store: Promise<SqliteStore>
  /** The store once open: reads go straight to its prepared statement. */
  #open: SqliteStore | undefined
  readonly #table: string

  constructor (cacheName = 'http_cache', options: SQLiteBackendOptions = {}) {
    if (typeof cacheName !== 'string' || cacheName === '') throw new TypeError(`SQLiteBackend: cacheName must be a file path; got ${String(cacheName)}`)
    const { busyTimeout = 5000, wal = true, table = 'responses', timeout, retryAfter, memoryLayer } = options
    if (!Number.isInteger(busyTimeout) || busyTimeout < 0) throw new TypeError(`SQLiteBackend: busyTimeout must be a whole number of ms; got ${String(busyTimeout)}`)
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(table)) throw new TypeError(`SQLiteBackend: table must be a plain SQL identifier; got ${JSON.stringify(table)}`)
    assertInstalled('sqlite3', 'SQLiteBackend')
    const path = sqlitePath(cacheName)
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
    const { opened: store, start } = openedLater(async () => SqliteStore.open(await importOptional<typeof import('sqlite3')>('sqlite3'), { path, table, busyTimeout, wal }))
    const keyv = store.then((opened) => {
      opened.on('error', (error: unknown) => debug('sqlite: %s', error))
      return new Keyv(opened, { namespace: undefined, useKeyPrefix: false, serialize: undefined, deserialize: undefined, throwOnErrors: true })
    })
    super(keyv, { timeout, retryAfter, memoryLayer })
    this.path = path
    this.#store = store
    this.#table = table
    store.then((opened) => { this.#open = opened }, () => undefined)
    start()
  }

  /** One prepared statement, without Keyv's envelope and hooks around it. */
  protected override readValue (key: string): unknown {
    return this.#open === undefined ? this.#store.then(async (store) => store.value(key)) : this.#open.value(key)
  }

  /** Pages through the table by key (keyset pagination: no rows skipped or repeated while entries are deleted). */
  protected override async * rawEntries (): AsyncIterable<[string, unknown]> {
    const store = await this.#store
    let after = ''
    for (;;) {
      const rows = await store.all<{ key: string, value: unknown }>(`SELECT key, value FROM ${this.#table} WHERE key > ? ORDER BY key LIMIT 500`, after)
      for (const row of rows) {
        after = row.key
        yield [after, row.value]
      }
      if (rows.length < 500) return
    }
  }
}
