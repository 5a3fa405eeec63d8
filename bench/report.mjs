// The report: Markdown on stdout and in bench/results/latest.md, the raw figures in latest.json, and SVG charts.
// (A --quick or --only run writes partial.md and partial.json instead.)
import { mkdir, writeFile } from 'node:fs/promises'
import * as f from './format.mjs'
import { hitChart } from './svg.mjs'
import { HIT_COLUMNS, hitTargets, otherTargets } from './targets.mjs'

const RESULTS = new URL('./results/', import.meta.url)
const SIZE_LABEL = { '1k': '1 KiB', '100k': '100 KiB' }

function header ({ machine: m, params, seconds, loadAverageEnd, quick }) {
  const load = (values) => values.map((v) => v.toFixed(2)).join(' / ')
  return [
    '# undici-client-cache benchmark',
    '',
    `- **Date**: ${m.date}`,
    `- **Node** ${m.node}, **undici** ${m.undici}, ${m.package}${m.commit ? ` (commit ${m.commit})` : ''}`,
    `- **Machine**: ${m.os}, ${m.cpu}, ${m.cores} cores, ${(m.memory / 2 ** 30).toFixed(1)} GiB RAM; load average (1/5/15 min) ${load(m.loadAverage)} at the start, ${load(loadAverageEnd)} at the end`,
    `- **Run**: ${quick ? '`--quick` (short, for development: figures are rough)' : 'full'}; ${params.rounds} interleaved rounds of hit cells of about ${params.targetMs} ms each; took ${Math.round(seconds)} s`,
    '',
    'Reproduce: `npm run bench` (it builds, then runs `node --expose-gc bench/run.mjs`); `npm run bench -- --quick` for a short run,',
    '`npm run bench -- --only=hits,misses,writes,memory,scale` for some sections. Redis rows need a server at `UCC_REDIS_URL`',
    '(default `redis://127.0.0.1:6379`). The origin is a `node:http` server on 127.0.0.1 in a child process (its CPU is not counted);',
    'every response is `200`, `cache-control: max-age=3600`, with an `etag`, 1 KiB or 100 KiB of body.'
  ].join('\n')
}

function targetsSection (results) {
  const out = ['## Targets', '']
  if (results.hits) {
    out.push('Hits through `undici.request` (median requests/s ratio in the same body size and mode):', '')
    out.push(f.table(['target', ...HIT_COLUMNS.map(([size, mode]) => `${SIZE_LABEL[size]}, ${f.mode(mode)}`)],
      hitTargets(results.hits).map(({ target, cells }) => [target, ...cells.map(({ value, pass }) => `${f.ratio(value)} ${pass === null ? '⚪' : pass ? '✅' : '❌'}`)])))
    out.push('')
  }
  out.push(f.table(['target', 'measured', 'result'], otherTargets(results, f).map(({ target, measured, pass }) => [target, measured, f.mark(pass)]), ['l', 'r', 'l']))
  if (results.hits) {
    out.push('', 'Through `undici.fetch` (information only, not judged: fetch adds a large fixed cost of its own to every request, so the ratios shrink; the ideal interceptor\'s own ratio to the built-in, measured here, is the ceiling):', '')
    const rows = HIT_COLUMNS.map(([size, mode]) => {
      const cell = (id, field) => results.hits.results[id]?.[`fetch/${size}/${mode}`]?.[field]
      return [`${SIZE_LABEL[size]}, ${f.mode(mode)}`, f.ratio(cell('ours-memory', 'vsBuiltin')), f.ratio(cell('ideal', 'vsBuiltin')), f.ratio(cell('ours-memory', 'vsIdeal'))]
    })
    out.push(f.table(['fetch', 'ours (memory) × built-in', 'ideal × built-in', 'ours (memory) × ideal'], rows))
  }
  out.push('', '⚪ = not judged: shown for information, or not measured in this run.')
  return out.join('\n')
}

function hitsSection (hits) {
  const out = ['## Cache hits', '',
    'Every request is a hit (the URL is stored before measuring; a warning below says if one reached the origin). Requests/s is the',
    'median of the rounds; p50/p99 are per-request latencies pooled over the rounds; CPU is this process\'s user + system time per',
    'request (median). × plain, × built-in, × ideal: requests/s relative to the plain Agent, undici\'s built-in cache (memory) and the',
    'ideal interceptor in the same client, size and mode. "Sequential" awaits each request (yielding to the event loop every 64);',
    '"64 in flight" keeps 64 requests going at once, each of 64 workers yielding to the event loop after each of its requests (so',
    'one turn of the loop serves up to 64; without it, hits that need no I/O starve the loop and undici\'s clean-up never runs).', '']
  for (const client of ['request', 'fetch']) {
    out.push(`![hit throughput through ${client}](hits${client === 'request' ? '' : '-fetch'}.svg)`, '')
    for (const cell of hits.cells.filter((c) => c.client === client)) {
      out.push(`### \`${client}\`, ${cell.sizeLabel}, ${f.mode(cell.mode)}`, '')
      out.push(f.table(['configuration', 'requests/s', 'p50', 'p99', 'CPU/req', '× plain', '× built-in', '× ideal', 'requests/cell'],
        hits.configs.map(({ id, name }) => {
          const r = hits.results[id][cell.id]
          return [name, f.rate(r.rate), f.micros(r.p50), f.micros(r.p99), f.micros(r.cpuUs), f.ratio(r.vsPlain), f.ratio(r.vsBuiltin), f.ratio(r.vsIdeal), f.count(r.count)]
        })))
      out.push('')
    }
  }
  if (hits.skipped.length > 0) out.push('Not run: ' + hits.skipped.map(({ name, reason }) => `${name} (${reason})`).join('; ') + '.', '')
  return out.join('\n')
}

function missesSection (misses) {
  return ['## Miss path', '',
    'A cold cache: every request is a new URL (`/1k/miss?i=<n>`), goes to the origin, and is stored. `undici.request`, 1 KiB.',
    '"With flush" also counts the time to finish the writes still pending when the last response was delivered.', '',
    f.table(['configuration', 'mode', 'requests/s', '× plain', 'requests/s with flush', 'p50', 'p99', 'CPU/req'],
      misses.modes.flatMap((mode) => misses.configs.map(({ id, name }) => {
        const r = misses.results[id][mode]
        return [name, f.mode(mode), f.rate(r.rate), f.ratio(r.vsPlain), f.rate(r.rateWithFlush), f.micros(r.p50), f.micros(r.p99), f.micros(r.cpuUs)]
      })))].join('\n')
}

function writesSection (writes, params) {
  return ['## Write throughput', '',
    `1 KiB entries written straight into a backend with \`set(key, entry)\`: ${f.count(params.sequentialWrites)} one after another (each awaited), and ${f.count(params.concurrentWrites)} started together, then \`flush()\`. Median of ${params.writeRounds} rounds; a sample is read back with \`get()\`.`, '',
    f.table(['backend', 'sequential entries/s', 'concurrent entries/s', 'read back'],
      Object.values(writes).map((w) => [w.name, f.rate(w.sequential.rate), f.rate(w.concurrent.rate), w.verified ? 'yes' : '**no**']))].join('\n')
}

function memorySection (memory) {
  return ['## Memory per entry', '',
    'Distinct 1 KiB responses stored through real `request()` calls, each configuration in a process of its own; the heap settled by',
    'several `gc()` before and after. Per entry: the growth divided by the number of entries. "Total" is heap + arrayBuffers (Buffers',
    'live outside the V8 heap); `external` includes arrayBuffers and is shown apart.', '',
    f.table(['configuration', 'entries', 'heap', 'arrayBuffers', 'total', '× 1,024-byte payload', 'external', 'held'],
      Object.values(memory).map((m) => [m.name, f.count(m.entries), f.bytes(m.heapPerEntry), f.bytes(m.arrayBuffersPerEntry), f.bytes(m.perEntry), f.ratio(m.ratio), f.bytes(m.externalPerEntry),
        `${m.check.count !== undefined ? `${f.count(m.check.count)} entries` : `${f.count(m.check.bytes)} bytes`}${m.check.sample ? ', sample found' : ', **sample missing**'}`]))].join('\n')
}

function scaleSection (scale) {
  const rows = Object.values(scale).flatMap((s) => s.sizes.map((size) => [s.name, f.count(size.entries), f.rate(size.rate), f.micros(size.p50), f.micros(size.p99), size.padSeconds ? `${size.padSeconds.toFixed(1)} s` : '']))
  const summary = Object.values(scale).map((s) => `${s.name}: at ${f.count(s.sizes.at(-1).entries)} entries, p50 ${f.ratio(s.p50Ratio)}, p99 ${f.ratio(s.p99Ratio)}, requests/s ${f.ratio(s.rateRatio)} of the figure at ${f.count(s.sizes[0].entries)} ("flat" is close to 1×).`)
  return ['## Hit cost as the cache grows', '',
    '1,000 real entries stored through requests, the store padded with filler entries to each size, then sequential `request()` hits',
    'round-robin over the 1,000 real URLs (1 KiB). Padding time is how long filling the store took (not part of the figures).', '',
    f.table(['configuration', 'entries in the store', 'requests/s', 'p50', 'p99', 'padding'], rows), '',
    ...summary.map((line) => `- ${line}`)].join('\n')
}

export function renderReport (results) {
  const parts = [header(results), targetsSection(results)]
  if (results.hits) parts.push(hitsSection(results.hits))
  if (results.misses) parts.push(missesSection(results.misses))
  if (results.writes) parts.push(writesSection(results.writes, results.params))
  if (results.memory) parts.push(memorySection(results.memory))
  if (results.scale) parts.push(scaleSection(results.scale))
  parts.push(['## Warnings', '', results.warnings.length === 0 ? 'None: every "hit" cell was answered without the origin.' : results.warnings.map((w) => `- ${w}`).join('\n')].join('\n'))
  return parts.join('\n\n') + '\n'
}

/**
 * Writes the report and returns its Markdown: a full run as latest.md, latest.json and the charts (what README shows);
 * a --quick or --only run as partial.md and partial.json, so that it never replaces the figures of a full run.
 */
export async function writeReport (results) {
  const markdown = renderReport(results)
  const name = results.full ? 'latest' : 'partial'
  await mkdir(RESULTS, { recursive: true })
  await writeFile(new URL(`${name}.md`, RESULTS), markdown)
  await writeFile(new URL(`${name}.json`, RESULTS), JSON.stringify(results, null, 2) + '\n')
  if (results.full) {
    await writeFile(new URL('hits.svg', RESULTS), hitChart(results.hits, 'request'))
    await writeFile(new URL('hits-fetch.svg', RESULTS), hitChart(results.hits, 'fetch'))
  }
  return markdown
}
