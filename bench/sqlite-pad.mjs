// Pads a SQLite cache file with filler rows, fast: one INSERT … SELECT over a recursive counter, copying the value
// of a stored row, through a connection of its own (the sqlite3 module, as SQLiteBackend uses). It does not
// depend on how entries are encoded, only on the table having a `key` column.
import sqlite3 from 'sqlite3'

const TABLE = 'responses'
const call = (db, method, sql, params = []) => new Promise((resolve, reject) => db[method](sql, params, (error, rows) => error ? reject(error) : resolve(rows)))

/** Adds rows `fill-<from>` … `fill-<to - 1>`; resolves with the table's row count afterwards. */
export async function padSqlite (path, from, to) {
  const db = await new Promise((resolve, reject) => { const db = new sqlite3.Database(path, (error) => error ? reject(error) : resolve(db)) })
  try {
    // The backend's own connection stays open: wait for its locks rather than fail.
    db.configure('busyTimeout', 30_000)
    const columns = (await call(db, 'all', `PRAGMA table_info(${TABLE})`)).map((column) => column.name)
    if (!columns.includes('key')) throw new Error(`${path}: table ${TABLE} has no key column (columns: ${columns.join(', ')})`)
    const others = columns.filter((name) => name !== 'key').map((name) => `"${name.replaceAll('"', '""')}"`)
    await call(db, 'run', `INSERT INTO ${TABLE}(key, ${others.join(', ')})
      WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?)
      SELECT 'fill-' || n.i, ${others.map((name) => `source.${name}`).join(', ')}
      FROM n, (SELECT ${others.join(', ')} FROM ${TABLE} WHERE key NOT LIKE 'fill-%' LIMIT 1) AS source`, [from, to - 1])
    // Fold the (large) write-ahead log into the database, as SQLite would on its own over time.
    await call(db, 'run', 'PRAGMA wal_checkpoint(TRUNCATE)')
    const [{ rows }] = await call(db, 'all', `SELECT count(*) AS rows FROM ${TABLE}`)
    return rows
  } finally {
    await new Promise((resolve, reject) => db.close((error) => error ? reject(error) : resolve()))
  }
}
