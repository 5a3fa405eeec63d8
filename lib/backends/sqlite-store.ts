/**
 * SqliteStore: a Keyv store adapter over one SQLite file through the `sqlite3` module, built for the cache's two hot
 * paths: a read is one prepared statement (one trip to sqlite3's thread pool), and writes that arrive together are
 * committed together, in one transaction.
 */
import { EventEmitter } from 'node:events'
import type { Database, Statement } from 'sqlite3'
import { debug } from '../log.js'

type Sqlite3 = typeof import('sqlite3')

export interface SqliteStoreOptions {
  path: string
  table: string
  busyTimeout: number
  wal: boolean
}

/** A write (`value` given) or a delete waiting for the next commit. */
interface Change {
  key: string
  value?: unknown
  settle: (error: Error | null, changes: number) => void
}

/** The most writes committed in one statement (two parameters each). */
const BATCH = 512

function call<T> (run: (callback: (error: Error | null, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((error, result) => error ? reject(error) : resolve(result)))
}

/** Keyv's envelope: what `get` returns and `set` receives. */
interface Envelope { value: unknown, expires?: number | null }

export class SqliteStore extends EventEmitter {
  /** (Keyv sets this; the cache uses no namespace: keys are stored as given.) */
  namespace: string | undefined
  readonly #db: Database
  readonly #table: string
  readonly #select: Statement
  readonly #upsert: Statement
  readonly #remove: Statement
  #queue: Change[] = []
  #committing: Promise<void> | undefined

  private constructor (db: Database, table: string, statements: Statement[]) {
    super()
    this.#db = db
    this.#table = table
    ;[this.#select, this.#upsert, this.#remove] = statements as [Statement, Statement, Statement]
  }

  /** Opens (creating when missing) the file and the table, in WAL mode when asked, with its statements prepared. */
  static async open (sqlite3: Sqlite3, { path, table, busyTimeout, wal }: SqliteStoreOptions): Promise<SqliteStore> {
    const db = await call<Database>((done) => { const opened: Database = new sqlite3.Database(path, (error) => done(error, opened)) })
    try {
      db.configure('busyTimeout', busyTimeout)
      const run = (sql: string): Promise<unknown> => call((done) => db.run(sql, done))
      if (wal && path !== ':memory:') {
        try {
          await run('PRAGMA journal_mode=WAL')
          await run('PRAGMA synchronous=NORMAL')
        } catch (error) {
          // Another process may hold the lock while switching modes; the file still works in its current mode.
          debug('sqlite: could not switch %s to WAL: %s', path, error)
        }
      }
      // (A table made by @keyv/sqlite, `key VARCHAR(255) PRIMARY KEY, value TEXT`, takes the same statements.)
      await run(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value BLOB)`)
      const prepare = (sql: string): Promise<Statement> => call((done) => { const prepared: Statement = db.prepare(sql, (error) => done(error, prepared)) })
      const statements = await Promise.all([
        prepare(`SELECT value FROM ${table} WHERE key = ?`),
        prepare(`INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
        prepare(`DELETE FROM ${table} WHERE key = ?`)
      ])
      return new SqliteStore(db, table, statements)
    } catch (error) {
      db.close()
      throw error
    }
  }

  /** The stored value, as stored (a Buffer for an entry), or undefined. */
  value (key: string): Promise<unknown> {
    // `all`, not `get`: it steps the statement to its end, which ends its read transaction. (After `get`, sqlite3 leaves
    // the statement on its row, and the open read would make this connection's next write fail with SQLITE_BUSY
    // whenever another process has written meanwhile; it would also hold back checkpoints of the WAL.)
    return call<Array<{ value: unknown }>>((done) => this.#select.all(key, done)).then((rows) => rows[0]?.value)
  }

  async get (key: string): Promise<Envelope | undefined> {
    const value = await this.value(key)
    return value === undefined ? undefined : { value }
  }

  /** Stores the value (the cache gives no Keyv expiry: entries carry their own). Resolves once it is committed. */
  async set (key: string, data: Envelope): Promise<boolean> {
    // (Undefined is how the queue tells a delete; a value Keyv could hand over as undefined is stored as NULL.)
    await this.#change({ key, value: data.value ?? null })
    return true
  }

  async delete (key: string): Promise<boolean> {
    return (await this.#change({ key })) > 0
  }

  async has (key: string): Promise<boolean> {
    return (await this.value(key)) !== undefined
  }

  async clear (): Promise<void> {
    await this.#settled()
    await call((done) => this.#db.run(`DELETE FROM ${this.#table}`, done))
  }

  /** Rows of a read-only query. */
  all<Row> (sql: string, ...params: unknown[]): Promise<Row[]> {
    return call<Row[]>((done) => this.#db.all(sql, params, done))
  }

  async disconnect (): Promise<void> {
    await this.#settled()
    for (const statement of [this.#select, this.#upsert, this.#remove]) await call((done) => statement.finalize((error) => done(error ?? null, undefined)))
    await call((done) => this.#db.close((error) => done(error, undefined)))
  }

  /** Queues a change; resolves with the rows it changed, once committed. */
  #change (change: Omit<Change, 'settle'>): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ ...change, settle: (error, changes) => error ? reject(error) : resolve(changes) })
      // (Started on a later turn, so that the writes of this one go into the same statement.)
      this.#committing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(async () => this.#commitAll())
    })
  }

  /**
   * Commits the queue in order: each run of writes as one statement (one implicit transaction, one trip to the
   * thread pool, so the file's write lock is held for that one step only), each delete by itself.
   */
  async #commitAll (): Promise<void> {
    while (this.#queue.length > 0) {
      const first = this.#queue[0]!
      const run = first.value === undefined ? this.#queue.splice(0, 1) : this.#queue.splice(0, this.#writesAhead())
      try {
        const changes = first.value === undefined ? await this.#delete(first.key) : await this.#write(run)
        for (const change of run) change.settle(null, changes)
      } catch (error) {
        for (const change of run) change.settle(error as Error, 0)
      }
    }
    this.#committing = undefined
  }

  /** How many writes the queue starts with (at most {@link BATCH}). */
  #writesAhead (): number {
    let count = 0
    while (count < BATCH && count < this.#queue.length && this.#queue[count]!.value !== undefined) count++
    return count
  }

  #delete (key: string): Promise<number> {
    return new Promise((resolve, reject) => this.#remove.run([key], function (this: { changes: number }, error: Error | null) {
      if (error) reject(error)
      else resolve(this.changes)
    }))
  }

  /** Upserts the writes in one statement; of two writes of one key, the later wins (rows are applied in order). */
  #write (writes: Change[]): Promise<number> {
    const params = writes.flatMap(({ key, value }) => [key, value])
    const [statement, sql] = writes.length === 1 ? [this.#upsert, ''] : [undefined, upsertSql(this.#table, writes.length)]
    return new Promise((resolve, reject) => {
      const done = function (this: { changes: number }, error: Error | null): void {
        if (error) reject(error)
        else resolve(this.changes)
      }
      if (statement !== undefined) statement.run(params, done)
      else this.#db.run(sql, params, done)
    })
  }

  /** Resolves once every queued change has been committed (or has failed). */
  async #settled (): Promise<void> {
    while (this.#committing !== undefined) await this.#committing
  }
}

function upsertSql (table: string, rows: number): string {
  return `INSERT INTO ${table} (key, value) VALUES ${'(?, ?), '.repeat(rows - 1)}(?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`
}
