/** A SQLite cache file read through a connection of its own, as another process would read it. */
import { createRequire } from 'node:module'

const sqlite3 = createRequire(import.meta.url)('sqlite3') as typeof import('sqlite3')

/** The rows of a query on the file (opened read-write, so that a left-over write-ahead log is recovered first). */
export async function query<Row> (path: string, sql: string, ...params: unknown[]): Promise<Row[]> {
  const db = await new Promise<import('sqlite3').Database>((resolve, reject) => {
    const opened = new sqlite3.Database(path, (error: Error | null) => error ? reject(error) : resolve(opened))
  })
  try {
    return await new Promise((resolve, reject) => db.all(sql, params, (error: Error | null, rows: Row[]) => error ? reject(error) : resolve(rows)))
  } finally {
    await new Promise((resolve) => db.close(resolve))
  }
}

/** Every row of the cache's table, by key. */
export async function rowsOf (path: string): Promise<Array<{ key: string, value: unknown }>> {
  return query(path, 'SELECT key, value FROM responses ORDER BY key')
}

/** What `PRAGMA integrity_check` says of the file: `'ok'` when it is sound. */
export async function integrityOf (path: string): Promise<string> {
  return (await query<{ integrity_check: string }>(path, 'PRAGMA integrity_check')).map((row) => row.integrity_check).join('\n')
}
