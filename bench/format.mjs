// How numbers are printed in the report.

const finite = (value) => typeof value === 'number' && Number.isFinite(value)

/** Requests or entries per second: 24,512 */
export const rate = (value) => finite(value) ? Math.round(value).toLocaleString('en') : '—'

/** A duration in µs: 12.3 µs, 245 µs, 12.4 ms */
export function micros (value) {
  if (!finite(value)) return '—'
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} ms`
  return value >= 100 ? `${Math.round(value)} µs` : `${value.toFixed(1)} µs`
}

/** A ratio: 2.10× */
export const ratio = (value) => finite(value) ? `${value.toFixed(2)}×` : '—'

/** Bytes: 1,234 B */
export const bytes = (value) => finite(value) ? `${Math.round(value).toLocaleString('en')} B` : '—'

export const count = (value) => finite(value) ? value.toLocaleString('en') : '—'

export const mode = (name) => name === 'sequential' ? 'sequential' : '64 in flight'

export const mark = (pass) => pass === true ? '✅ pass' : pass === false ? '❌ miss' : '⚪ not judged'

/** A Markdown table from a header row and rows of cells; `align` is 'l' or 'r' per column. */
export function table (header, rows, align = header.map((_, i) => i === 0 ? 'l' : 'r')) {
  const line = (cells) => `| ${cells.join(' | ')} |`
  return [line(header), line(align.map((a) => a === 'r' ? '---:' : '---')), ...rows.map(line)].join('\n')
}
