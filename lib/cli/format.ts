/** Text for people: sizes, durations, relative times, aligned fields and tables. */

const BYTE_UNITS = ['KiB', 'MiB', 'GiB', 'TiB']

/** `512 B`, `1.5 KiB`, `12.3 MiB`, `140 MiB`. */
export function formatBytes (bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  let value = bytes
  let unit = ''
  for (const next of BYTE_UNITS) {
    value /= 1024
    unit = next
    if (value < 1024) break
  }
  return `${value < 100 ? value.toFixed(1).replace(/\.0$/, '') : Math.round(value)} ${unit}`
}

const TIME_UNITS: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]

/** A length of time in its largest whole unit: `45s`, `59m`, `3h`, `12d`; `0s` under a second. */
export function formatDuration (ms: number): string {
  const length = Math.abs(ms)
  for (const [unit, size] of TIME_UNITS) {
    if (length >= size) return `${Math.floor(length / size)}${unit}`
  }
  return '0s'
}

/** `in 59m` for a time to come, `3h ago` for one past. */
export function relativeTime (date: Date, now: number): string {
  const ms = date.getTime() - now
  return ms > 0 ? `in ${formatDuration(ms)}` : `${formatDuration(ms)} ago`
}

/** When an entry expires, relative to now: `in 59m`, `3h ago`, or `never`. */
export function formatExpiry (expiresAt: Date | null, now: number): string {
  return expiresAt === null ? 'never' : relativeTime(expiresAt, now)
}

/** A date and how far it is from now: `2025-01-02T03:04:05.000Z (3h ago)`. */
export function formatDate (date: Date, now: number): string {
  return `${date.toISOString()} (${relativeTime(date, now)})`
}

/** `1 entry`, `2 entries`. */
export function countOf (count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`
}

/** `label: value` pairs, one a line, the values aligned. */
export function formatFields (fields: Array<[string, string]>): string {
  const width = Math.max(0, ...fields.map(([label]) => label.length)) + 2
  return fields.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}\n`).join('')
}

export interface Column {
  title: string
  /** Right-aligned (numbers). Default: left-aligned. */
  right?: boolean
}

/** A table: a title row, then one row per entry, columns two spaces apart; the last column is not padded. */
export function formatTable (columns: Column[], rows: string[][]): string {
  const widths = columns.map((column, i) => Math.max(column.title.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: string[]): string => columns.map((column, i) => {
    const cell = cells[i] ?? ''
    if (i === columns.length - 1) return cell
    return column.right === true ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)
  }).join('  ').trimEnd() + '\n'
  return line(columns.map((column) => column.title)) + rows.map(line).join('')
}
