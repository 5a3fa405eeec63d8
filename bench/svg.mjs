// A hand-written SVG bar chart of hit throughput relative to undici's built-in cache: one group of horizontal bars
// per body size × mode, one bar per configuration, the ratio printed on each bar. Dark text on a white background,
// so it reads the same on GitHub's light and dark themes.

const COLORS = {
  plain: '#8c959f',
  'builtin-memory': '#0969da',
  'builtin-sqlite': '#54aeff',
  ideal: '#1a7f37',
  'ours-memory': '#cf222e',
  'ours-sqlite': '#bc4c00',
  'ours-sqlite-ml': '#fb8f44',
  'ours-redis': '#8250df',
  'ours-redis-ml': '#c297ff'
}
const WIDTH = 820
const LABEL = 230 // the configuration names, left of the bars
const BAR = 17
const GAP = 4
const GROUP_HEAD = 26
const TOP = 62

const escape = (text) => String(text).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c])

/**
 * @param hits the hit section's results
 * @param client 'request' or 'fetch'
 */
export function hitChart (hits, client) {
  const groups = hits.cells.filter((cell) => cell.client === client)
  const configs = hits.configs
  const max = Math.max(client === 'request' ? 2 : 1, ...groups.flatMap((cell) => configs.map(({ id }) => hits.results[id][cell.id].vsBuiltin).filter(Number.isFinite)))
  const plotWidth = WIDTH - LABEL - 70
  const x = (value) => LABEL + value / (max * 1.05) * plotWidth
  const groupHeight = GROUP_HEAD + configs.length * (BAR + GAP) + 8
  const height = TOP + groups.length * groupHeight + 20
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="16" font-weight="600" fill="#1f2328">Cache-hit throughput through undici.${client === 'request' ? 'request()' : 'fetch()'}, relative to undici's built-in cache</text>`,
    `<text x="12" y="42" fill="#59636e">requests/s ÷ undici built-in (memory)'s, same size and mode; median of ${hits.results[configs[0].id][groups[0].id].rates.length} rounds. Dashed: 1×${client === 'request' ? '; green: the 2× target' : ''}.</text>`
  ]
  groups.forEach((cell, g) => {
    const top = TOP + g * groupHeight
    out.push(`<text x="12" y="${top + 17}" font-size="13" font-weight="600" fill="#1f2328">${escape(cell.sizeLabel)} body, ${cell.mode === 'sequential' ? 'sequential' : '64 requests in flight'}</text>`)
    configs.forEach(({ id, name }, i) => {
      const value = hits.results[id][cell.id].vsBuiltin
      const y = top + GROUP_HEAD + i * (BAR + GAP)
      const end = x(Number.isFinite(value) ? value : 0)
      const text = Number.isFinite(value) ? `${value.toFixed(2)}×` : '—'
      // The number goes inside a bar long enough to hold it, else just after its end.
      const inside = end - LABEL > 52
      out.push(
        `<text x="${LABEL - 8}" y="${y + BAR - 4}" text-anchor="end" fill="#1f2328">${escape(name)}</text>`,
        `<rect x="${LABEL}" y="${y}" width="${Math.max(1, end - LABEL).toFixed(1)}" height="${BAR}" rx="2" fill="${COLORS[id] ?? '#6e7781'}"/>`,
        `<text x="${(inside ? end - 6 : end + 5).toFixed(1)}" y="${y + BAR - 4}" text-anchor="${inside ? 'end' : 'start'}" font-weight="600" fill="${inside ? '#ffffff' : '#1f2328'}">${text}</text>`
      )
    })
    const [y1, y2] = [top + GROUP_HEAD - 3, top + GROUP_HEAD + configs.length * (BAR + GAP)]
    const one = x(1).toFixed(1)
    out.push(`<line x1="${one}" x2="${one}" y1="${y1}" y2="${y2}" stroke="#1f2328" stroke-dasharray="3 3"/>`)
    // The project's target for a memory hit through request(): twice the built-in.
    if (client === 'request') {
      out.push(`<line x1="${x(2).toFixed(1)}" x2="${x(2).toFixed(1)}" y1="${y1}" y2="${y2}" stroke="#1a7f37" stroke-width="1.5" stroke-dasharray="1 3"/>`,
        `<text x="${(x(2) + 4).toFixed(1)}" y="${top + 17}" font-size="11" fill="#1a7f37">2× target</text>`)
    }
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
